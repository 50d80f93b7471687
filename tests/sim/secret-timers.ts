/**
 * When Juju runs `secret-rotate` and `secret-expired` on a secret's owner (J:core/secrets/secret.go
 * `RotatePolicy.NextRotateTime`, `RotateRetryDelay`, `ExpireRetryDelay`; the secrets service's
 * `SecretRotated`): a rotation is due one policy interval after the policy was set or the secret last
 * rotated; a rotate hook that made no new revision is asked again 5 minutes later (and sooner than
 * the interval when the latest revision would expire first); an expired revision's hook repeats
 * every 5 minutes until the owner removes that revision.
 *
 * The emulator's secret clock is the wall clock plus `model.clockOffsetMs`, which
 * `Controller.advanceClock` moves so a test can reach an hourly rotation without waiting an hour.
 */
import type { Model, Secret } from "./model";

export const ROTATE_POLICIES = ["never", "hourly", "daily", "weekly", "monthly", "quarterly", "yearly"];

const ROTATE_HOURS: Readonly<Record<string, number>> = {
  hourly: 1,
  daily: 24,
  weekly: 7 * 24,
  monthly: 30 * 24,
  quarterly: 90 * 24,
  yearly: 365 * 24,
};

/** Juju's RotateRetryDelay and ExpireRetryDelay. */
export const SECRET_RETRY_DELAY_MS = 5 * 60_000;

/** Now, on the model's secret clock (ms since the epoch). */
export function secretClock(model: Pick<Model, "clockOffsetMs">): number {
  return Date.now() + (model.clockOffsetMs ?? 0);
}

/** RFC 3339 as Go's time.Time formats it (no fractional part when zero). */
export function goRfc3339(date: Date): string {
  return date.toISOString().replace(/\.000Z$/, "Z");
}

/** `RotatePolicy.NextRotateTime(from)`; undefined for `never` or no policy. */
export function nextRotateTime(policy: string | undefined, fromMs: number): string | undefined {
  const hours = ROTATE_HOURS[policy ?? ""];
  return hours === undefined ? undefined : goRfc3339(new Date(fromMs + hours * 3_600_000));
}

/** After a successful secret-rotate hook that started when `originalRevision` was the latest. */
export function secretRotated(secret: Secret, originalRevision: number, nowMs: number): void {
  const next = nextRotateTime(secret.rotate, nowMs);
  if (next === undefined) {
    secret.nextRotate = undefined;
    return;
  }
  const latest = secret.revisions.at(-1);
  const expires = latest?.expire !== undefined ? Date.parse(latest.expire) : undefined;
  const forced = nowMs + SECRET_RETRY_DELAY_MS;
  const willExpire = expires !== undefined && expires < Date.parse(next);
  const unchanged = (latest?.revision ?? 0) === originalRevision;
  secret.nextRotate =
    (willExpire && forced < (expires as number)) || unchanged ? goRfc3339(new Date(forced)) : next;
}

/** After a successful secret-expired hook for `revision`: asked again later unless it was removed. */
export function secretExpiredRan(secret: Secret, revision: number, nowMs: number): void {
  const still = secret.revisions.find((candidate) => candidate.revision === revision);
  if (still) still.expireDue = goRfc3339(new Date(nowMs + SECRET_RETRY_DELAY_MS));
}
