/** How a unit agent retries a failed hook: when, and with which hook (Juju's uniter). */
import type { NextHook, NextOp } from "./agent";

/**
 * The wait before retrying a failed hook, as Juju's uniter times it (a utils BackoffTimer built
 * from the RetryStrategy facade: Min 5 s, Max 5 min, Factor 2, Jitter true): the first retry waits
 * `baseMs`; each later one doubles the previous wait and moves it by up to ±3 %, capped at `maxMs`
 * (J:internal/worker/uniter/uniter.go `retryHookTimer`; juju/utils timer.go `increaseDuration`;
 * J:apiserver/facades/agent/retrystrategy).
 */
export function nextRetryDelay(
  previousMs: number | undefined,
  baseMs: number,
  maxMs: number,
  random: () => number = Math.random,
): number {
  if (previousMs === undefined) return Math.min(baseMs, maxMs);
  const doubled = previousMs * 2;
  return Math.min(Math.round(doubled + doubled * (random() * 2 - 1) * 0.03), maxMs);
}

/**
 * The operation that retries a failed hook. Juju re-runs the same hook but builds the operation
 * from the current remote state (resolver.go `nextOpHookError` → `NewRunHook`), so a retried
 * config-changed records the config it actually saw; relation hooks keep the change version they
 * were queued for (their hook info carries it), so a later change still fires another hook.
 */
export function retriedOp(failed: NextHook, fresh: NextOp | undefined): NextHook {
  if (fresh?.kind !== "hook" || failed.hook.relationId !== undefined) return failed;
  const a = failed.hook;
  const b = fresh.hook;
  const same =
    a.name === b.name &&
    a.storageId === b.storageId &&
    a.secretId === b.secretId &&
    a.secretRevision === b.secretRevision;
  return same ? fresh : failed;
}
