/**
 * What the unit and the application say, as pure decisions from what ZooKeeper said in this hook:
 * `active` only for a serving voter of the committed membership; everything else names what it waits
 * for, and says whether only the workload can end the wait (the hook then observes again).
 */
import { active, blocked, maintenance, type Status, waiting } from "../../lib/juju";
import { findServer, participants } from "../../lib/zookeeper/ensemble-config";
import { type ClusterSnapshot, runsOldVersion, serverIdOf } from "./cluster-plan";
import type { SettledEnsemble } from "./local-state";

export interface UnitStatus {
  readonly status: Status;
  /** Only the workload can end this wait (no hook will come for it): observe again shortly. */
  readonly transient: boolean;
}

const transient = (message: string): UnitStatus => ({ status: waiting(message), transient: true });
const settled = (status: Status): UnitStatus => ({ status, transient: false });

/** Its own server's health as the metrics service measures it (src/metrics/health-watch.ts). */
export interface OwnHealth {
  readonly serving: boolean;
  /** Serving as a participant of the membership (the service reads it from the server's own `conf`). */
  readonly voting: boolean;
  /** It answered at all. */
  readonly answering: boolean;
}

export function ownHealth(snapshot: ClusterSnapshot, self: string, running: boolean): OwnHealth {
  const probe = running ? snapshot.probes.get(self) : undefined;
  const serving = probe?.serving === true;
  const member = snapshot.committed ? findServer(snapshot.committed, serverIdOf(self)) : undefined;
  return { serving, voting: serving && member?.role === "participant", answering: probe?.reachable === true };
}

/** The unit's status from its server's `srvr` and the committed membership. */
export function servingStatus(
  snapshot: ClusterSnapshot,
  self: string,
  options: { readonly running: boolean; readonly justJoined?: boolean },
): UnitStatus {
  const probe = snapshot.probes.get(self);
  if (!options.running) return settled(waiting("ZooKeeper is not running"));
  if (!probe?.serving)
    return transient("ZooKeeper is running but not serving requests (no quorum reachable)");
  // `active` means a voting, serving member of the committed configuration, as ZooKeeper says in
  // this hook: without that configuration nothing can be claimed.
  if (!snapshot.committed)
    return transient("ZooKeeper serves, but no member answers with the committed membership");
  const member = findServer(snapshot.committed, serverIdOf(self));
  if (!member) {
    const started = options.justJoined || snapshot.units.find((unit) => unit.name === self)?.started;
    return settled(
      waiting(
        started
          ? "synced as a non-voting follower; waiting to be added to the ensemble"
          : "ZooKeeper is running but not a member of the committed ensemble",
      ),
    );
  }
  if (member.role !== "participant")
    return settled(waiting(`member of the ensemble as ${member.role}; waiting to become a participant`));
  if (probe.mode !== "leader" && probe.mode !== "follower") {
    // Added as a voter; the server switches role once it has the new configuration.
    return transient(`added as a voter; ZooKeeper still reports ${probe.mode ?? "no mode"}`);
  }
  return settled(active());
}

/**
 * Leader: whether every unit votes, as the committed configuration says, and where an upgrade of
 * ZooKeeper stands (a unit whose upgrade failed its post-check stops it).
 */
export function applicationStatus(snapshot: ClusterSnapshot): Status {
  const live = snapshot.units.filter((unit) => !unit.dying);
  const target = snapshot.targetVersion;
  const failed = live.find((unit) => target !== undefined && unit.upgradeFailed === target);
  if (failed) return blocked(`upgrade to ZooKeeper ${target} stopped at ${failed.name}: it failed its check`);
  if (!snapshot.committed) return waiting("the committed membership cannot be read yet");
  const voters = participants(snapshot.committed).length;
  if (voters < live.length) return waiting(`${voters} of ${live.length} units are voting members`);
  const started = live.filter((unit) => unit.started);
  const behind = started.filter((unit) => runsOldVersion(unit, target)).length;
  if (behind > 0) {
    return maintenance(
      `upgrading ZooKeeper to ${target}: ${started.length - behind} of ${started.length} units done`,
    );
  }
  return active();
}

/** The ensemble as settled — every unit a serving participant at its address — or undefined. */
export function settledEnsemble(snapshot: ClusterSnapshot, leader: boolean): SettledEnsemble | undefined {
  const voters = snapshot.committed ? participants(snapshot.committed) : [];
  const members = snapshot.units.map((unit) => ({
    name: unit.name,
    id: serverIdOf(unit.name),
    address: unit.address,
  }));
  const inOrder =
    voters.length === members.length &&
    members.every(
      (member) =>
        member.address !== undefined &&
        snapshot.probes.get(member.name)?.serving &&
        voters.some((server) => server.id === member.id && server.address === member.address),
    );
  if (!inOrder) return undefined;
  return {
    leader,
    members: members.map((member) => ({ ...member, address: member.address! })),
    status: active(),
  };
}
