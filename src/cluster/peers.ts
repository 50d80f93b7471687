/**
 * The units as the peer relation shows them to this unit (relation-list and each unit's bag), and,
 * for the leader, which of them Juju is removing (goal-state).
 */
import type { Relation } from "../../lib/juju";
import type { EnsembleConfig } from "../../lib/zookeeper";
import { type PeerUnit, serverIdOf, unitNumber } from "./cluster-plan";
import { PEER_UNIT_SCHEMA } from "./peer-data";

/** Every unit this unit sees in the peer relation, itself included, by unit number. */
export function readPeerUnits(
  peers: Relation,
  self: string,
  address: string | undefined,
  departing: boolean,
): PeerUnit[] {
  const units: PeerUnit[] = peers.units.map((name) => {
    const bag = peers.unitData(PEER_UNIT_SCHEMA, name).data;
    return {
      name,
      number: unitNumber(name),
      address: bag.address,
      started: bag.started === true,
      dying: false,
      restartRequest: bag["restart-request"],
      credentials: bag.credentials,
      runningConfig: bag["running-config"],
      runningTls: bag["running-tls"],
      tlsCertificate: bag["tls-certificate"],
      runningVersion: bag["zookeeper-version"],
      upgradeFailed: bag["upgrade-failed"],
    };
  });
  const own = peers.localUnitData(PEER_UNIT_SCHEMA).data;
  units.push({
    name: self,
    number: unitNumber(self),
    address,
    started: own.started === true,
    dying: departing,
    restartRequest: own["restart-request"],
    credentials: own.credentials,
    runningConfig: own["running-config"],
    runningTls: own["running-tls"],
    tlsCertificate: own["tls-certificate"],
    runningVersion: own["zookeeper-version"],
    upgradeFailed: own["upgrade-failed"],
  });
  return units.sort((a, b) => a.number - b.number);
}

/**
 * Leader: marks units Juju is removing (goal-state `dying`) and says which units Juju plans.
 * `plannedUnits` (goal-state) is asked only when a decision depends on it — membership differs from
 * the units, a restart is requested, or nothing is committed yet — so a settled ensemble's hooks
 * skip the call.
 */
export function markDying(
  units: PeerUnit[],
  committed: EnsembleConfig | undefined,
  plannedUnits: () => readonly string[],
): { units: PeerUnit[]; planned?: ReadonlySet<number> } {
  const members = committed?.servers.map((server) => server.id).sort((a, b) => a - b);
  const ids = units.map((unit) => serverIdOf(unit.name)).sort((a, b) => a - b);
  const decisionsPending =
    !members || JSON.stringify(members) !== JSON.stringify(ids) || units.some((unit) => unit.restartRequest);
  if (!decisionsPending) return { units };
  const names = new Set(plannedUnits());
  return {
    units: units.map((unit) => (names.has(unit.name) ? unit : { ...unit, dying: true })),
    planned: new Set([...names].map(unitNumber)),
  };
}
