/**
 * ZooKeeper failures sorted where the charm decides what to do about them: a refusal that no retry
 * will change (the admin identity is not accepted, reconfig is disabled) blocks the unit with the
 * reason, so an operator sees it; anything else (no quorum, a reconfig in progress, a stale version,
 * a lost connection) is a wait that the charm retries.
 */

import { blocked, type Status, waiting } from "../../lib/juju";
import {
  AuthFailedError,
  BadArgumentsError,
  NoAuthError,
  ReconfigDisabledError,
  SessionClosedRequireAuthError,
} from "../../lib/zookeeper";

export interface Failure {
  /** No retry will help: the unit is blocked until someone acts. */
  readonly permanent: boolean;
  readonly status: Status;
}

const PERMANENT = [
  NoAuthError,
  AuthFailedError,
  SessionClosedRequireAuthError,
  ReconfigDisabledError,
  BadArgumentsError,
];

/** `doing` says what failed, e.g. "reconfig", "applying client ACLs". */
export function classifyFailure(doing: string, error: unknown): Failure {
  const detail = error instanceof Error ? error.message : String(error);
  if (PERMANENT.some((type) => error instanceof type)) {
    const why =
      error instanceof ReconfigDisabledError
        ? "ZooKeeper has dynamic reconfiguration disabled"
        : "ZooKeeper refuses the charm's admin user";
    return { permanent: true, status: blocked(`${doing} failed: ${why} (${detail})`) };
  }
  return { permanent: false, status: waiting(`${doing} not done yet: ${detail}`) };
}
