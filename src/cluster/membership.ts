/**
 * Membership changes as the charm makes them: the Juju leader's step of a pass (the bootstrap choice,
 * one reconfig, the restart turn) and a departing unit's own removal before its server stops.
 */

import { type Logger, maintenance, type Relation } from "../../lib/juju";
import { participants } from "../../lib/zookeeper/ensemble-config";
import type { Admin, Ports } from "../ports";
import { METRICS_SERVICE } from "../workload/metrics-service";
import {
  type ClusterSnapshot,
  chooseBootstrapUnit,
  nextReconfig,
  nextRestartGrant,
  serverIdOf,
} from "./cluster-plan";
import { committedMembership, reconfigure } from "./ensemble";
import { classifyFailure } from "./failures";
import type { Pass } from "./pass";
import { PEER_APP_SCHEMA } from "./peer-data";

/** How long a departing unit keeps trying to remove its server before it stops it anyway. */
const LEAVE_TIMEOUT_MS = 60_000;
const RETRY_MS = 1_000;

export interface LeadInput {
  readonly peers: Relation;
  readonly snapshot: ClusterSnapshot;
  readonly admin: Admin | undefined;
  readonly ports: Ports;
  readonly log: Logger;
}

/** Juju leader: choose the bootstrap unit, take one membership step, hand out restart turns. */
export async function lead(pass: Pass, { peers, snapshot, admin, ports, log }: LeadInput): Promise<void> {
  const bootstrap = chooseBootstrapUnit(snapshot);
  if (bootstrap !== snapshot.bootstrapUnit)
    peers.setLocalAppData(PEER_APP_SCHEMA, { "bootstrap-unit": bootstrap ?? null });

  const step = nextReconfig(snapshot);
  if (step.kind !== "none" && admin) {
    log.info(
      { step: step.kind, unit: step.unit, from: step.fromConfig.toString(16) },
      "reconfiguring the ensemble",
    );
    const outcome = await reconfigure(
      ports,
      admin,
      step.kind === "add"
        ? { joining: step.server, fromConfig: step.fromConfig }
        : { leaving: step.serverId, fromConfig: step.fromConfig },
    );
    if (outcome.applied) {
      pass.progressed = true;
      peers.setLocalAppData(PEER_APP_SCHEMA, { "ensemble-version": outcome.config.version.toString(16) });
    } else {
      const target = step.kind === "add" ? step.unit : (step.unit ?? `server ${step.serverId}`);
      const failure = classifyFailure(`reconfig (${step.kind} ${target})`, outcome.error ?? outcome.reason);
      log.warn(
        { step: step.kind, unit: step.unit, reason: outcome.reason, permanent: failure.permanent },
        failure.permanent ? "reconfig refused" : "reconfig not applied; will retry",
      );
      if (failure.permanent) pass.report(failure.status);
      else pass.waitFor(`reconfig not applied: ${outcome.reason}`);
    }
  } else if (step.kind === "none" && step.transient) {
    pass.waitFor(step.reason);
  }

  const grant = nextRestartGrant(snapshot);
  if (grant.kind === "none" && grant.transient) pass.waitFor(grant.reason);
  if (grant.kind === "grant") peers.setLocalAppData(PEER_APP_SCHEMA, { "restart-granted": grant.unit });
  else if (grant.kind === "clear") peers.setLocalAppData(PEER_APP_SCHEMA, { "restart-granted": null });
}

export interface LeaveInput {
  readonly self: string;
  /** The hook's kind: the server stops in stop or storage-detaching. */
  readonly kind: string;
  readonly snapshot: ClusterSnapshot;
  readonly admin: Admin | undefined;
  readonly ports: Ports;
  readonly log: Logger;
}

/**
 * A departing unit removes its server from the ensemble by reconfig, then — in stop, or in
 * storage-detaching, which Juju may run first (its storage resolver comes before the dying
 * branch) — stops it before its data goes away. The removal is retried against the fresh committed
 * membership until ZooKeeper no longer lists the server (bounded): units leaving at once race for
 * the config version, and a server stopped while still a voter could cost the quorum (three of five
 * stopping as members leaves two of four).
 */
export async function leave(
  pass: Pass,
  { self, kind, snapshot, admin, ports, log }: LeaveInput,
): Promise<void> {
  const id = serverIdOf(self);
  let committed = snapshot.committed;
  const deadline = ports.clock.now() + LEAVE_TIMEOUT_MS;
  while (admin && committed?.servers.some((server) => server.id === id)) {
    const remaining = participants(committed).filter((server) => server.id !== id);
    // ZooKeeper needs a voter: the last one leaves only with the application.
    if (remaining.length === 0) break;
    const outcome = await reconfigure(ports, admin, { leaving: id, fromConfig: committed.version });
    log.info(
      { applied: outcome.applied, reason: outcome.applied ? undefined : outcome.reason },
      "leaving the ensemble",
    );
    if (outcome.applied || ports.clock.now() > deadline) break;
    await ports.clock.sleep(RETRY_MS);
    committed = await committedMembership(ports.ensemble, admin).catch(() => committed);
  }
  if (kind === "stop" || kind === "storage-detaching") {
    if (ports.machine.serviceActive()) ports.machine.stopService();
    ports.machine.removeService(METRICS_SERVICE);
    pass.report(maintenance("ZooKeeper stopped; data kept on the data storage"));
    return;
  }
  pass.report(maintenance("leaving the ensemble"));
}
