/**
 * The cluster protocol as pure decisions (ARCHITECTURE.md, "The cluster protocol"): who bootstraps,
 * with which startup membership a unit starts, the single next reconfig, and the next restart.
 * Membership truth is `/zookeeper/config`; peer data only records intent and progress.
 */
import type { EnsembleConfig, ServerRole, ServerSpec } from "../../lib/zookeeper";
import type { ServerProbe } from "../ports/ensemble";
import { PORTS } from "../workload/paths";

export type { ServerProbe };

export interface PeerUnit {
  readonly name: string;
  readonly number: number;
  /** The address its server binds, from its peer databag; undefined until published. */
  readonly address: string | undefined;
  /** Its server has been started at least once (it published `started`). */
  readonly started: boolean;
  /** Juju is removing it (goal-state `dying`, or it is the departing unit of this hook). */
  readonly dying: boolean;
  /** It asks for a rolling-restart turn, with the reason. */
  readonly restartRequest: string | undefined;
  /** Fingerprint of the credentials its running server loaded. */
  readonly credentials?: string | undefined;
  /** Hash of the configuration its running server was started with (undefined: not published). */
  readonly runningConfig?: string | undefined;
  /** The TLS phase its running server runs (`off`, or undefined: not published). */
  readonly runningTls?: string | undefined;
  /** Fingerprint of its certificate, once it has one. */
  readonly tlsCertificate?: string | undefined;
  /** The ZooKeeper package version its running server was started from (undefined: not published). */
  readonly runningVersion?: string | undefined;
  /** The target version whose upgrade failed its post-check on this unit. */
  readonly upgradeFailed?: string | undefined;
}

export interface ClusterSnapshot {
  /** Every unit in the peer relation, this one included. */
  readonly units: readonly PeerUnit[];
  /** The unit the Juju leader chose to start the ensemble (peer app data). */
  readonly bootstrapUnit: string | undefined;
  /** The unit currently allowed to restart (peer app data). */
  readonly restartGranted: string | undefined;
  /** The committed membership, read from a serving member; undefined when none answers. */
  readonly committed: EnsembleConfig | undefined;
  /** srvr of each unit's server, by unit name. */
  readonly probes: ReadonlyMap<string, ServerProbe>;
  /**
   * Numbers of the units Juju intends to keep (goal-state, not dying); undefined when not asked.
   * The peer relation shows a unit only once this unit's `relation-joined` for it has run, so a unit
   * that has just become leader may not see peers that exist and serve: without this, it would
   * bootstrap a second ensemble or remove members it cannot see.
   */
  readonly planned?: ReadonlySet<number> | undefined;
  /** Hash of the configuration every server should run (the same on every unit). */
  readonly desiredConfig?: string | undefined;
  /** The ZooKeeper package version every server should run (peer app data). */
  readonly targetVersion?: string | undefined;
}

/**
 * The first unit an upgrade of ZooKeeper still has to move — its server runs an older version, or
 * its upgrade failed — or undefined when every unit runs the target.
 */
export function upgradePendingAt(
  units: readonly PeerUnit[],
  target: string | undefined,
): PeerUnit | undefined {
  return units.find(
    (unit) => !unit.dying && (runsOldVersion(unit, target) || unit.upgradeFailed !== undefined),
  );
}

/** Whether a unit's server runs another ZooKeeper version than the ensemble's target. */
export function runsOldVersion(unit: PeerUnit, target: string | undefined): boolean {
  return (
    unit.started &&
    target !== undefined &&
    unit.runningVersion !== undefined &&
    unit.runningVersion !== target
  );
}

/** Planned units this unit's peer relation does not show yet (their relation-joined is to come). */
function unseenUnits(snapshot: ClusterSnapshot): number[] {
  if (!snapshot.planned) return [];
  const seen = new Set(snapshot.units.map((unit) => unit.number));
  return [...snapshot.planned].filter((number) => !seen.has(number)).sort((a, b) => a - b);
}

const IPV4 = /^(?:\d{1,3}\.){3}\d{1,3}$/;

export type AddressChoice =
  | { readonly address: string }
  | { readonly problem: string }
  | { readonly none: true };

/**
 * The address this unit's server binds and announces, from network-get on the cluster binding: the
 * first IPv4 ingress address — the one Juju tells peers to reach this unit on — else the first IPv4
 * bind address. Not blindly the first bind address: Juju lists those in device order, so an IPv6
 * ULA or a second NIC may come first. IPv6 is refused with a reason rather than half supported: the
 * server runs with `java.net.preferIPv4Stack=true`, and the charm's membership handling, peer data
 * and client endpoints speak IPv4 only.
 */
export function chooseUnitAddress(ingress: readonly string[], bind: readonly string[]): AddressChoice {
  const address = [...ingress, ...bind].find((candidate) => IPV4.test(candidate));
  if (address) return { address };
  const other = [...ingress, ...bind][0];
  if (other === undefined) return { none: true };
  return {
    problem: `the cluster binding has no IPv4 address (only ${other}); IPv6-only models are not supported`,
  };
}

export function unitNumber(unit: string): number {
  return Number(unit.slice(unit.lastIndexOf("/") + 1));
}

/** ZooKeeper server ids are unit numbers + 1 (ids start at 1; unit numbers are never reused). */
export function serverIdOf(unit: string): number {
  return unitNumber(unit) + 1;
}

export function serverSpecOf(unit: PeerUnit & { address: string }, role: ServerRole): ServerSpec {
  return {
    id: serverIdOf(unit.name),
    address: unit.address,
    quorumPort: PORTS.quorum,
    electionPort: PORTS.election,
    role,
    clientAddress: unit.address,
    clientPort: PORTS.client,
  };
}

function byNumber(a: PeerUnit, b: PeerUnit): number {
  return a.number - b.number;
}

function hasAddress(unit: PeerUnit): unit is PeerUnit & { address: string } {
  return unit.address !== undefined;
}

/** The unit whose server says it leads the ensemble and serves (srvr), if any: decided one way. */
export function zookeeperLeaderOf(probes: ReadonlyMap<string, ServerProbe>): string | undefined {
  return [...probes.entries()].find(([, probe]) => probe.serving && probe.mode === "leader")?.[0];
}

/** True once any unit has started a server or a committed config can be read. */
export function ensembleExists(snapshot: ClusterSnapshot): boolean {
  return snapshot.committed !== undefined || snapshot.units.some((unit) => unit.started);
}

/**
 * Leader: the unit that should bootstrap the ensemble. Keeps an earlier choice while that unit is
 * present and alive (or has started), and while Juju may still plan it when this unit cannot see it:
 * the peer relation shows a unit only once this unit's relation-joined for it has run, so a unit that
 * has just become leader may see none of its peers. Otherwise the lowest-numbered live unit with an
 * address, so a unit removed before it ever started cannot block the others. (With nothing recorded
 * nobody can have started: only the recorded unit bootstraps, and others start only from a committed
 * membership.)
 */
export function chooseBootstrapUnit(snapshot: ClusterSnapshot): string | undefined {
  const recorded = snapshot.bootstrapUnit;
  const current = snapshot.units.find((unit) => unit.name === recorded);
  if (current && (current.started || !current.dying)) return current.name;
  if (ensembleExists(snapshot)) return recorded;
  if (recorded !== undefined && !current && (!snapshot.planned || snapshot.planned.has(unitNumber(recorded))))
    return recorded;
  return snapshot.units.filter((unit) => !unit.dying && hasAddress(unit)).sort(byNumber)[0]?.name;
}

export type StartPlan =
  | { readonly kind: "bootstrap"; readonly servers: readonly ServerSpec[] }
  | { readonly kind: "join"; readonly servers: readonly ServerSpec[] }
  | { readonly kind: "resume" }
  | { readonly kind: "wait"; readonly reason: string };

/**
 * How a unit whose server is not running should start it.
 * - It has run before and is still a member (or membership is unknown, e.g. after a full outage):
 *   resume with the configuration ZooKeeper last wrote.
 * - It is new, or it was removed from the ensemble: join with the committed membership plus itself
 *   as observer (zookeeperReconfig "Adding servers"), so it syncs as a non-voting follower until the
 *   leader adds it as a participant.
 * - No ensemble exists: only the chosen bootstrap unit starts, alone, as the only participant.
 */
export function planStart(snapshot: ClusterSnapshot, self: string, hasRunBefore: boolean): StartPlan {
  const unit = snapshot.units.find((candidate) => candidate.name === self);
  if (!unit || !hasAddress(unit)) return { kind: "wait", reason: "waiting for this unit's address" };
  if (unit.dying) return { kind: "wait", reason: "unit is being removed" };
  const committed = snapshot.committed;
  const id = serverIdOf(self);
  if (hasRunBefore && (committed === undefined || committed.servers.some((server) => server.id === id))) {
    return { kind: "resume" };
  }
  if (committed) {
    const others = committed.servers.filter((server) => server.id !== id);
    return { kind: "join", servers: [...others, serverSpecOf(unit, "observer")] };
  }
  if (ensembleExists(snapshot) || hasRunBefore) {
    return { kind: "wait", reason: "waiting for a serving ZooKeeper member to read the membership from" };
  }
  if (snapshot.bootstrapUnit === undefined)
    return { kind: "wait", reason: "waiting for the leader to choose the bootstrap unit" };
  if (snapshot.bootstrapUnit !== self)
    return { kind: "wait", reason: `waiting for ${snapshot.bootstrapUnit} to start the ensemble` };
  return { kind: "bootstrap", servers: [serverSpecOf(unit, "participant")] };
}

export type RunningPlan = { readonly kind: "keep" } | { readonly kind: "rejoin"; readonly reason: string };

/**
 * Whether a unit whose server runs, but which is not a voter of the committed configuration, must
 * restart as a joiner from the committed membership (zookeeperReconfig "Adding servers"). Such a
 * server holds no vote, so restarting it needs no rolling-restart turn and costs the ensemble
 * nothing.
 *
 * A healthy joiner serves as a non-voting follower although its own dynamic file lists only the
 * committed members (ZooKeeper rewrites it with the leader's configuration while it syncs); the
 * leader then adds it (nextReconfig). It is stranded — LOOKING for ever, "not in the view" — when
 * - it started from a membership read before another reconfig, or a reconfig was committed while
 *   it waited to be added: the leader sends it the newer configuration without it, and it drops out;
 * - its starting membership lost the voters it could reach (they were removed while it started).
 * Both show as a server that does not serve, with a membership that does not list it or with voters
 * that are not the committed ones. The caller confirms that the server stays out (a joiner in the
 * middle of its sync looks the same for a moment) before it restarts it.
 * A joiner that must restart anyway (new files) restarts from the fresh committed membership, never
 * from the stale one on its disk. With the committed membership unknown nothing is decided.
 */
export function planRunning(
  snapshot: ClusterSnapshot,
  self: string,
  server: { readonly config: EnsembleConfig | undefined; readonly restartNeeded: boolean },
): RunningPlan {
  const committed = snapshot.committed;
  if (!committed) return { kind: "keep" };
  const id = serverIdOf(self);
  if (committed.servers.some((member) => member.id === id && member.role === "participant")) {
    return { kind: "keep" };
  }
  if (server.restartNeeded) {
    return { kind: "rejoin", reason: "restarting as a non-voting member to load new files" };
  }
  if (snapshot.probes.get(self)?.serving === true) return { kind: "keep" };
  if (!server.config?.servers.some((member) => member.id === id)) {
    return { kind: "rejoin", reason: "its server was left out of a newer membership and cannot serve" };
  }
  if (JSON.stringify(participantIds(server.config)) !== JSON.stringify(participantIds(committed))) {
    return { kind: "rejoin", reason: "its server started from voters that are no longer the committed ones" };
  }
  return { kind: "keep" };
}

export type ServerPlan =
  /** Its server does not run: start it as `start` says (or wait). */
  | { readonly kind: "start"; readonly start: StartPlan }
  /** Restart it as a joiner from the committed membership; `confirm`: only if it stays out a while. */
  | { readonly kind: "rejoin"; readonly reason: string; readonly confirm: boolean }
  /** It needs a restart and holds the rolling-restart turn. */
  | { readonly kind: "restart" }
  /** It needs a restart and waits for its turn. */
  | { readonly kind: "await-turn"; readonly reason: string }
  | { readonly kind: "keep" };

/**
 * What this unit does with its own server, in one decision: start it (planStart), rejoin a
 * non-voter that is stranded or must load new files (planRunning; no turn needed, it holds no
 * vote), restart a voter in its rolling-restart turn, or wait for that turn.
 */
export function planServer(
  snapshot: ClusterSnapshot,
  self: string,
  server: {
    readonly running: boolean;
    /** Only asked when the server does not run. */
    readonly hasRunBefore: () => boolean;
    /** The files changed since the running server started. */
    readonly restartNeeded: boolean;
    /** The membership in the running server's own dynamic file. */
    readonly config: EnsembleConfig | undefined;
  },
): ServerPlan {
  if (!server.running) return { kind: "start", start: planStart(snapshot, self, server.hasRunBefore()) };
  const running = planRunning(snapshot, self, { config: server.config, restartNeeded: server.restartNeeded });
  if (running.kind === "rejoin")
    return { kind: "rejoin", reason: running.reason, confirm: !server.restartNeeded };
  if (!server.restartNeeded) return { kind: "keep" };
  const granted = snapshot.restartGranted;
  if (granted === self) return { kind: "restart" };
  return {
    kind: "await-turn",
    reason: granted
      ? `restart pending: waiting for ${granted} to restart first`
      : "restart pending: waiting for a turn",
  };
}

export type ReconfigStep =
  | { readonly kind: "add"; readonly unit: string; readonly server: ServerSpec; readonly fromConfig: bigint }
  | {
      readonly kind: "remove";
      readonly unit: string | undefined;
      readonly serverId: number;
      readonly fromConfig: bigint;
    }
  | {
      readonly kind: "none";
      readonly reason: string;
      /** The leader waits for the workload (a started joiner to serve), which causes no hook. */
      readonly transient?: boolean;
    };

function participantIds(config: EnsembleConfig): number[] {
  return config.servers.filter((server) => server.role === "participant").map((server) => server.id);
}

/**
 * Leader: the one membership change to make now. Repairs come first (a member whose unit is gone or
 * dying is removed — followers before the ZooKeeper leader, to spare an election), then one voter is
 * added: the lowest-numbered live unit that is not a voter, once its server serves as a non-voting
 * follower (never a higher one before it).
 */
export function nextReconfig(snapshot: ClusterSnapshot): ReconfigStep {
  const committed = snapshot.committed;
  if (!committed) return { kind: "none", reason: "no committed membership to change" };
  const unitById = new Map(snapshot.units.map((unit) => [serverIdOf(unit.name), unit]));
  const voters = participantIds(committed);

  // A member whose unit this unit cannot see leaves only once Juju no longer plans that unit: a
  // unit that has just become leader sees peers only as their relation-joined hooks run here.
  const leaving = committed.servers.filter((server) => {
    const unit = unitById.get(server.id);
    if (unit === undefined) return snapshot.planned !== undefined && !snapshot.planned.has(server.id - 1);
    return unit.dying || server.role === "observer";
  });
  if (leaving.length > 0) {
    const zkLeader = zookeeperLeaderOf(snapshot.probes);
    // With no leader reported (mid-election) and a member whose unit is gone, `undefined ===
    // undefined` would rank the gone member as the leader; only a known leader goes last.
    const isZkLeader = (id: number): number =>
      zkLeader !== undefined && unitById.get(id)?.name === zkLeader ? 1 : 0;
    const ordered = [...leaving].sort((a, b) => isZkLeader(a.id) - isZkLeader(b.id) || a.id - b.id);
    for (const server of ordered) {
      const remaining = voters.filter((id) => id !== server.id);
      // ZooKeeper needs at least one voter; the last one leaves only with the application.
      if (server.role === "participant" && remaining.length === 0) continue;
      return {
        kind: "remove",
        unit: unitById.get(server.id)?.name,
        serverId: server.id,
        fromConfig: committed.version,
      };
    }
  }

  // Voters are added strictly in unit order, never skipping a live unit that is not a voter yet:
  // a joiner whose server id is below that of a voter added before it never finds the leader (it
  // stays LOOKING — seen in the issue-9 race as units 0 and 2 voting while unit 1 was stranded).
  // Unit numbers are never reused, so a new unit's id is above every existing voter's.
  const next = snapshot.units
    .filter((unit) => !unit.dying && !voters.includes(serverIdOf(unit.name)))
    .sort(byNumber)[0];
  const unseen = unseenUnits(snapshot).find((number) => !voters.includes(number + 1));
  if (unseen !== undefined && (next === undefined || unseen < next.number)) {
    return { kind: "none", reason: `waiting for unit ${unseen} to join the peer relation before adding it` };
  }
  if (next) {
    if (!hasAddress(next) || !next.started) {
      return { kind: "none", reason: `waiting for ${next.name} to start its server before adding it` };
    }
    const probe = snapshot.probes.get(next.name);
    if (probe?.serving && (probe.mode === "follower" || probe.mode === "observer")) {
      return {
        kind: "add",
        unit: next.name,
        server: serverSpecOf(next, "participant"),
        fromConfig: committed.version,
      };
    }
    return { kind: "none", reason: `waiting for ${next.name} to sync before adding`, transient: true };
  }
  return { kind: "none", reason: "membership matches the units" };
}

export type RestartGrant =
  | { readonly kind: "keep"; readonly unit: string }
  | { readonly kind: "grant"; readonly unit: string }
  | { readonly kind: "clear" }
  | {
      readonly kind: "none";
      readonly reason: string;
      /** Waiting for members to serve again, which causes no hook. */
      readonly transient?: boolean;
    };

/** True when every committed participant answers srvr as a serving leader or follower. */
export function ensembleHealthy(snapshot: ClusterSnapshot): boolean {
  const committed = snapshot.committed;
  if (!committed) return false;
  const unitById = new Map(snapshot.units.map((unit) => [serverIdOf(unit.name), unit.name]));
  return committed.servers
    .filter((server) => server.role === "participant")
    .every((server) => {
      const name = unitById.get(server.id);
      const probe = name === undefined ? undefined : snapshot.probes.get(name);
      return probe?.serving === true && (probe.mode === "leader" || probe.mode === "follower");
    });
}

/**
 * Leader: who may restart next. One unit at a time; the next turn is granted only when the previous
 * unit has withdrawn its request and every member serves again (verified by srvr, never a sleep);
 * units restart in unit order with the ZooKeeper leader last, so the ensemble elects a new leader
 * once at most (Strimzi's roller does the same).
 */
export function nextRestartGrant(snapshot: ClusterSnapshot): RestartGrant {
  // A unit needs a turn when it asks for one, or when the server it runs was started with another
  // configuration or ZooKeeper version than the desired one: it will ask as soon as its next hook
  // runs, and counting it now keeps the ZooKeeper leader's turn last whichever unit's hook comes
  // first.
  const needsTurn = (unit: PeerUnit): boolean =>
    !unit.dying &&
    (unit.restartRequest !== undefined ||
      runsOldVersion(unit, snapshot.targetVersion) ||
      (unit.started &&
        snapshot.desiredConfig !== undefined &&
        unit.runningConfig !== undefined &&
        unit.runningConfig !== snapshot.desiredConfig));
  const requests = snapshot.units.filter(needsTurn);
  const granted = snapshot.units.find((unit) => unit.name === snapshot.restartGranted);
  if (granted && needsTurn(granted)) return { kind: "keep", unit: granted.name };
  if (requests.length === 0)
    return snapshot.restartGranted === undefined
      ? { kind: "none", reason: "no restart requested" }
      : { kind: "clear" };
  // A unit whose upgrade failed its check stopped the roll: only the operator goes on from there
  // (upgrade-zookeeper with another version), not the workload.
  const stopped = snapshot.units.find(
    (unit) =>
      !unit.dying && unit.upgradeFailed !== undefined && unit.upgradeFailed === snapshot.targetVersion,
  );
  if (stopped) return { kind: "none", reason: `the ZooKeeper upgrade stopped at ${stopped.name}` };
  // With the membership known, every member must serve first. Unknown membership while some member
  // serves means the read failed: wait. Only when nothing serves at all may a restart go ahead, one
  // unit at a time, since it cannot make an outage worse.
  const anyServing = [...snapshot.probes.values()].some((probe) => probe.serving);
  if (snapshot.committed ? !ensembleHealthy(snapshot) : anyServing) {
    return {
      kind: "none",
      reason: "waiting for every member to serve before the next restart",
      transient: true,
    };
  }
  const zkLeader = zookeeperLeaderOf(snapshot.probes);
  const ordered = [...requests].sort(
    (a, b) => Number(a.name === zkLeader) - Number(b.name === zkLeader) || byNumber(a, b),
  );
  return { kind: "grant", unit: ordered[0]!.name };
}
