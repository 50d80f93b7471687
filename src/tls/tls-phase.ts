/**
 * Leader, pure: where the ensemble's move to TLS (or back) goes next. Upstream's no-downtime
 * procedure (zookeeperAdmin, "Upgrading existing non-TLS cluster with no downtime") in three rolling
 * restarts each way — off → unify → quorum → on, and back — because two barriers cannot be crossed
 * in one: every server must accept TLS before any sends it, and every server must send TLS before
 * any stops accepting plaintext. So a step is taken only once every started, staying server runs
 * the current one; a new unit starts with the current step's files.
 */
import type { TlsPhase } from "../workload";

const STEPS: readonly (TlsPhase | undefined)[] = [undefined, "unify", "quorum", "on"];

export interface TlsUnit {
  readonly started: boolean;
  readonly dying: boolean;
  /** The step its running server runs (`off`, a TlsPhase, or undefined: not published). */
  readonly runningTls?: string | undefined;
  /** It has a certificate in place. */
  readonly tlsCertificate?: string | undefined;
}

/**
 * The next step: forward while the certificates relation exists and every staying unit has a
 * certificate (a unit still waiting for one holds the move where it is), back while it does not.
 */
export function nextTlsPhase(
  current: TlsPhase | undefined,
  related: boolean,
  units: readonly TlsUnit[],
): TlsPhase | undefined {
  const staying = units.filter((unit) => !unit.dying);
  const everyServerRuns = staying
    .filter((unit) => unit.started)
    .every((unit) => (unit.runningTls ?? "off") === (current ?? "off"));
  if (!everyServerRuns) return current;
  const index = STEPS.indexOf(current);
  if (related) {
    const certified = staying.every((unit) => unit.tlsCertificate !== undefined);
    return certified && index < STEPS.length - 1 ? STEPS[index + 1] : current;
  }
  return index > 0 ? STEPS[index - 1] : current;
}
