/**
 * The charm's view of the running ensemble, through the Ensemble port: srvr probes of every unit,
 * the committed membership, waiting for a server to serve, and one reconfig at a time with its
 * outcome checked when the answer is lost (zookeeper-notes §5.5).
 */
import type { EnsembleConfig, ServerSpec } from "../../lib/zookeeper";
import { isOutcomeUnknown } from "../../lib/zookeeper/errors";
import type { Clock } from "../ports/clock";
import type { Admin, Ensemble, ServerProbe, ZnodeSession } from "../ports/ensemble";

export async function probeAll(
  ensemble: Ensemble,
  addresses: ReadonlyMap<string, string>,
): Promise<Map<string, ServerProbe>> {
  const entries = await Promise.all(
    [...addresses.entries()].map(async ([unit, address]) => [unit, await ensemble.probe(address)] as const),
  );
  return new Map(entries);
}

/**
 * Polls srvr until the server serves or `timeoutMs` passes: a restart or a join is verified, not
 * assumed after a sleep (the Python charm sleeps 5 s, reference-charm §2.7).
 */
export async function waitUntilServing(
  { ensemble, clock }: { ensemble: Ensemble; clock: Clock },
  address: string,
  timeoutMs: number,
  checks: {
    /** Whether the service still runs. */
    readonly stillRunning: () => boolean;
    /**
     * True while the server cannot serve as started (a joiner left out of the membership); once it
     * has been true for `strandedForMs` without the server serving, the wait ends.
     */
    readonly stranded?: () => boolean;
    readonly strandedForMs?: number;
  },
): Promise<ServerProbe> {
  const deadline = clock.now() + timeoutMs;
  let last: ServerProbe = { reachable: false, serving: false, mode: undefined };
  let stoppedPolls = 0;
  let strandedSince: number | undefined;
  while (clock.now() < deadline) {
    last = await ensemble.probe(address);
    if (last.serving) return last;
    // A server that keeps exiting will not serve: report it instead of waiting out the timeout.
    stoppedPolls = checks.stillRunning() ? 0 : stoppedPolls + 1;
    if (stoppedPolls >= 5) return last;
    strandedSince = checks.stranded?.() ? (strandedSince ?? clock.now()) : undefined;
    if (strandedSince !== undefined && clock.now() - strandedSince >= (checks.strandedForMs ?? 0))
      return last;
    await clock.sleep(200);
  }
  return last;
}

/** The committed membership, read after a sync so the answering server has caught up. */
export async function committedMembership(ensemble: Ensemble, admin: Admin): Promise<EnsembleConfig> {
  return ensemble.withSession(admin, (zk) => zk.getConfig({ sync: true }));
}

export type ReconfigOutcome =
  | { readonly applied: true; readonly config: EnsembleConfig }
  | { readonly applied: false; readonly reason: string; readonly error?: unknown };

/**
 * One reconfig, followed after a removal by a write: only a write committed after it guarantees the
 * new config is active before the removed server stops (zookeeperReconfig "Removing servers"). `/`
 * holds no data; the super user rewrites it empty. The write is best effort: the removal is
 * committed either way.
 */
export async function reconfigure(
  { ensemble, clock }: { ensemble: Ensemble; clock: Clock },
  admin: Admin,
  change: { joining?: ServerSpec; leaving?: number; fromConfig: bigint },
): Promise<ReconfigOutcome> {
  const outcome = await reconfigureOnce(ensemble, clock, admin, change);
  if (outcome.applied && change.leaving !== undefined) {
    await ensemble.withSession(admin, (zk: ZnodeSession) => zk.setData("/", "")).catch(() => undefined);
  }
  return outcome;
}

/**
 * One reconfig. A lost answer (CONNECTION_LOSS, e.g. when the removed server was the leader) means
 * the outcome is unknown: the committed config is read again and compared with the intent.
 */
async function reconfigureOnce(
  ensemble: Ensemble,
  clock: Clock,
  admin: Admin,
  change: { joining?: ServerSpec; leaving?: number; fromConfig: bigint },
): Promise<ReconfigOutcome> {
  const achieved = (config: EnsembleConfig): boolean =>
    change.joining
      ? config.servers.some(
          (server) => server.id === change.joining!.id && server.role === change.joining!.role,
        )
      : !config.servers.some((server) => server.id === change.leaving);
  try {
    const config = await ensemble.withSession(admin, (zk) =>
      zk.reconfig({
        joining: change.joining ? [change.joining] : undefined,
        leaving: change.leaving !== undefined ? [change.leaving] : undefined,
        fromConfig: change.fromConfig,
      }),
    );
    return { applied: true, config };
  } catch (error) {
    if (!isOutcomeUnknown(error))
      return { applied: false, reason: error instanceof Error ? error.message : String(error), error };
    for (let attempt = 0; attempt < 5; attempt += 1) {
      await clock.sleep(500);
      try {
        const config = await committedMembership(ensemble, admin);
        return achieved(config)
          ? { applied: true, config }
          : { applied: false, reason: "reconfig did not take effect" };
      } catch {
        // The ensemble may be electing a new leader; try again shortly.
      }
    }
    return {
      applied: false,
      reason: `outcome unknown: ${error instanceof Error ? error.message : String(error)}`,
    };
  }
}
