/**
 * Whether the ensemble may be upgraded now (`pre-upgrade-check`): every unit Juju plans is a started, serving, voting member of the committed membership,
 * one of them leads, and nothing the charm rolls out is half done — a rolling restart, a password
 * rotation, a TLS switch, a scaling. Followers serve only once synced with the leader, so serving
 * members are synced ones. The first cause found is returned, in the Python charm's words where it
 * has them; undefined when the upgrade may go ahead.
 */
import type { Bag } from "../../lib/juju";
import type { EnsembleConfig } from "../../lib/zookeeper";
import type { ServerProbe } from "../ports";
import { type PeerUnit, serverIdOf, upgradePendingAt } from "./cluster-plan";
import type { PEER_APP_SCHEMA } from "./peer-data";

export interface UpgradeCheckInput {
  /** Every unit of the peer relation, this one included. */
  readonly units: readonly PeerUnit[];
  /** The units Juju plans (goal-state, not dying). */
  readonly planned: readonly string[];
  readonly appData: Bag<typeof PEER_APP_SCHEMA>;
  readonly probes: ReadonlyMap<string, ServerProbe>;
  readonly committed: EnsembleConfig | undefined;
}

export function upgradeBlocker(input: UpgradeCheckInput): string | undefined {
  const { units, planned, appData, probes, committed } = input;
  const seen = new Set(units.map((unit) => unit.name));
  if (planned.some((name) => !seen.has(name)) || units.some((unit) => !planned.includes(unit.name))) {
    return "units are being added or removed";
  }
  if (units.some((unit) => !unit.started || !unit.address)) return "Charm has not finished initialising";
  if (units.some((unit) => probes.get(unit.name)?.serving !== true)) {
    return "Not all application units are connected and broadcasting in the quorum";
  }
  if (![...probes.values()].some((probe) => probe.mode === "leader")) return "Quorum leader not found";
  const voters = new Set(
    committed?.servers.filter((server) => server.role === "participant").map((server) => server.id),
  );
  if (
    !committed ||
    units.some((unit) => !voters.has(serverIdOf(unit.name))) ||
    voters.size !== units.length
  ) {
    return "Some quorum members are still syncing data";
  }
  if (appData["restart-granted"] || units.some((unit) => unit.restartRequest)) {
    return "a rolling restart is in progress";
  }
  if (new Set(units.map((unit) => unit.runningConfig)).size > 1) return "a rolling restart is in progress";
  if (appData["sync-rotation"] || units.some((unit) => unit.credentials !== appData.credentials)) {
    return "a password rotation is in progress";
  }
  const target = appData["zookeeper-version"];
  const upgrading = upgradePendingAt(units, target);
  if (upgrading) return `an upgrade of ZooKeeper to ${target ?? upgrading.upgradeFailed} is in progress`;
  const tls = appData.tls ?? "off";
  if (tls === "unify" || tls === "quorum" || units.some((unit) => (unit.runningTls ?? "off") !== tls)) {
    return "a switch to or from TLS is in progress";
  }
  return undefined;
}
