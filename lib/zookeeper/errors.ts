/**
 * Typed ZooKeeper failures. One place turns a server error code (or a client-side condition such
 * as a timeout) into an error class, so callers can tell "retry later" (NEW_CONFIG_NO_QUORUM,
 * RECONFIG_IN_PROGRESS) from "re-read and recompute" (BAD_VERSION) from "outcome unknown"
 * (CONNECTION_LOSS, a timeout after the request went out) — notes §5 item 5.
 */

/**
 * Server error codes of ZooKeeper 3.8 (`KeeperException.Code`). node-zookeeper-client 1.1.3 only
 * knows the codes down to -115 (notes §1.1, "Unknown server error codes"); the rest are listed here.
 */
export const ZooKeeperErrorCode = {
  OK: 0,
  SYSTEM_ERROR: -1,
  RUNTIME_INCONSISTENCY: -2,
  DATA_INCONSISTENCY: -3,
  CONNECTION_LOSS: -4,
  MARSHALLING_ERROR: -5,
  UNIMPLEMENTED: -6,
  OPERATION_TIMEOUT: -7,
  BAD_ARGUMENTS: -8,
  UNKNOWN_SESSION: -12,
  NEW_CONFIG_NO_QUORUM: -13,
  RECONFIG_IN_PROGRESS: -14,
  API_ERROR: -100,
  NO_NODE: -101,
  NO_AUTH: -102,
  BAD_VERSION: -103,
  NO_CHILDREN_FOR_EPHEMERALS: -108,
  NODE_EXISTS: -110,
  NOT_EMPTY: -111,
  SESSION_EXPIRED: -112,
  INVALID_CALLBACK: -113,
  INVALID_ACL: -114,
  AUTH_FAILED: -115,
  SESSION_MOVED: -118,
  NOT_READ_ONLY: -119,
  EPHEMERAL_ON_LOCAL_SESSION: -120,
  NO_WATCHER: -121,
  REQUEST_TIMEOUT: -122,
  RECONFIG_DISABLED: -123,
  SESSION_CLOSED_REQUIRE_SASL_AUTH: -124,
  QUOTA_EXCEEDED: -125,
  THROTTLED_OP: -127,
} as const;

/** The symbolic name of a server error code, or `UNKNOWN(<code>)`. */
export function errorCodeName(code: number): string {
  for (const [name, value] of Object.entries(ZooKeeperErrorCode)) {
    if (value === code) return name;
  }
  return `UNKNOWN(${code})`;
}

export interface ZooKeeperErrorDetails {
  /** The operation, e.g. `reconfig`, `getData`, `connect`, `4lw srvr`. */
  readonly op: string;
  readonly path?: string;
  /** The server (`ip:port`) for probes that target one server. */
  readonly server?: string;
  /** The server error code, when the failure came from one. */
  readonly code?: number;
  /** True when the request may or may not have been applied (see {@link isOutcomeUnknown}). */
  readonly outcomeUnknown?: boolean;
  readonly cause?: unknown;
}

/** Base class: the message starts with `zookeeper <op> [<path>|<server>]:` so logs name the source. */
export class ZooKeeperError extends Error {
  readonly op: string;
  readonly path: string | undefined;
  readonly server: string | undefined;
  readonly code: number | undefined;
  readonly outcomeUnknown: boolean;

  constructor(detail: string, details: ZooKeeperErrorDetails) {
    const where = details.path ?? details.server;
    super(`zookeeper ${details.op}${where ? ` ${where}` : ""}: ${detail}`, { cause: details.cause });
    this.name = new.target.name;
    this.op = details.op;
    this.path = details.path;
    this.server = details.server;
    this.code = details.code;
    this.outcomeUnknown = details.outcomeUnknown ?? false;
  }
}

/** A server error code with no dedicated class; `code` holds the number. */
export class ZooKeeperServerError extends ZooKeeperError {}

/** -14: another reconfig is being processed. Retry later. */
export class ReconfigInProgressError extends ZooKeeperError {}
/** -13: no quorum of the proposed config is connected and synced. Retry later (notes §3.5). */
export class NewConfigNoQuorumError extends ZooKeeperError {}
/** -103: version check failed (a stale `fromConfig`, or setData/delete with an old version). */
export class BadVersionError extends ZooKeeperError {}
/** -102: the session's identities lack the permission (e.g. reconfig without super). */
export class NoAuthError extends ZooKeeperError {}
/**
 * -4: the connection dropped while the request was in flight. The request may or may not have been
 * applied: re-read and decide (notes §1.5 item 8: removing the leader typically ends this way).
 */
export class ConnectionLossError extends ZooKeeperError {}
/**
 * No answer in time. `requestSent` says whether the request left the client; if it did, the outcome
 * is unknown exactly as for {@link ConnectionLossError}.
 */
export class TimeoutError extends ZooKeeperError {
  readonly requestSent: boolean;

  constructor(detail: string, details: ZooKeeperErrorDetails & { readonly requestSent: boolean }) {
    super(detail, { ...details, outcomeUnknown: details.requestSent });
    this.requestSent = details.requestSent;
  }
}
/** -101 */
export class NoNodeError extends ZooKeeperError {}
/** -110 */
export class NodeExistsError extends ZooKeeperError {}
/** -111 */
export class NotEmptyError extends ZooKeeperError {}
/** -112: the session is gone for good; connect a new manager. */
export class SessionExpiredError extends ZooKeeperError {}
/** -115 */
export class AuthFailedError extends ZooKeeperError {}
/** -8: e.g. a malformed server spec, or a config with no voters left. Also raised for invalid client-side input. */
export class BadArgumentsError extends ZooKeeperError {}
/** -123: the leader runs with `reconfigEnabled=false` (notes §3.1). */
export class ReconfigDisabledError extends ZooKeeperError {}
/**
 * -124: the server enforces authentication (`enforce.auth.enabled`) and this session did not
 * authenticate before its first request; the server closed the session (notes §1.5 item 9).
 */
export class SessionClosedRequireAuthError extends ZooKeeperError {}
/**
 * -125: a create or write would take a subtree past its hard quota (`countHardLimit`,
 * `byteHardLimit`), refused because the server runs with `zookeeper.enforceQuota` (ZooKeeper >= 3.7).
 */
export class QuotaExceededError extends ZooKeeperError {}
/** The manager was closed before or while the call ran. The request was not sent. */
export class ClientClosedError extends ZooKeeperError {}
/** A four-letter word was refused because it is not in `4lw.commands.whitelist` (notes §3.9). */
export class FourLetterWordNotAllowedError extends ZooKeeperError {}
/** A four-letter-word exchange failed at the socket level (refused, reset, …). */
export class ProbeError extends ZooKeeperError {}
/** Text from ZooKeeper (a config, a 4lw reply) could not be parsed. */
export class ParseError extends ZooKeeperError {}

type ErrorClass = new (detail: string, details: ZooKeeperErrorDetails) => ZooKeeperError;

const CLASS_BY_CODE: ReadonlyMap<number, ErrorClass> = new Map<number, ErrorClass>([
  [ZooKeeperErrorCode.RECONFIG_IN_PROGRESS, ReconfigInProgressError],
  [ZooKeeperErrorCode.NEW_CONFIG_NO_QUORUM, NewConfigNoQuorumError],
  [ZooKeeperErrorCode.BAD_VERSION, BadVersionError],
  [ZooKeeperErrorCode.NO_AUTH, NoAuthError],
  [ZooKeeperErrorCode.CONNECTION_LOSS, ConnectionLossError],
  [ZooKeeperErrorCode.NO_NODE, NoNodeError],
  [ZooKeeperErrorCode.NODE_EXISTS, NodeExistsError],
  [ZooKeeperErrorCode.NOT_EMPTY, NotEmptyError],
  [ZooKeeperErrorCode.SESSION_EXPIRED, SessionExpiredError],
  [ZooKeeperErrorCode.AUTH_FAILED, AuthFailedError],
  [ZooKeeperErrorCode.BAD_ARGUMENTS, BadArgumentsError],
  [ZooKeeperErrorCode.RECONFIG_DISABLED, ReconfigDisabledError],
  [ZooKeeperErrorCode.SESSION_CLOSED_REQUIRE_SASL_AUTH, SessionClosedRequireAuthError],
  [ZooKeeperErrorCode.QUOTA_EXCEEDED, QuotaExceededError],
]);

/**
 * The error for a server (or library) error code. CONNECTION_LOSS and SESSION_EXPIRED reported for a
 * request that was already handed to the connection mean the outcome is unknown.
 */
export function errorFromCode(code: number, details: Omit<ZooKeeperErrorDetails, "code">): ZooKeeperError {
  const ErrorType = CLASS_BY_CODE.get(code) ?? ZooKeeperServerError;
  const unknown =
    code === ZooKeeperErrorCode.CONNECTION_LOSS || code === ZooKeeperErrorCode.SESSION_EXPIRED
      ? (details.outcomeUnknown ?? true)
      : false;
  const hint = unknown ? "; the outcome is unknown, re-read before retrying" : "";
  return new ErrorType(`${errorCodeName(code)} (${code})${hint}`, {
    ...details,
    code,
    outcomeUnknown: unknown,
  });
}

/**
 * True when a write may or may not have been applied, so the caller must re-read the state (after a
 * reconnect) before deciding what to do next.
 */
export function isOutcomeUnknown(error: unknown): boolean {
  return error instanceof ZooKeeperError && error.outcomeUnknown;
}
