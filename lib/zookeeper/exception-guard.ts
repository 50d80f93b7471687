/**
 * Keeps unknown server error codes from crashing the process.
 *
 * node-zookeeper-client 1.1.3 validates every error code against its own table, which stops at -115
 * (`lib/Exception.js:14-33`). The check throws, and it runs inside the socket `data` handler
 * (`ConnectionManager.js:568-571`), so a reply carrying -13 NEW_CONFIG_NO_QUORUM, -14
 * RECONFIG_IN_PROGRESS, -123 RECONFIG_DISABLED or -124 SESSION_CLOSED_REQUIRE_SASL_AUTH becomes an
 * uncaught exception that kills Node (notes §1.1, tested; upstream issues alexguan#70, #23).
 *
 * ConnectionManager looks `Exception.create` up on the shared module object at call time, so
 * replacing that one property is enough (notes §1.3 item 3). Unknown codes then reach the request
 * callback as an ordinary error object carrying the code, which {@link errorFromCode} maps to a class.
 */
import Exception from "node-zookeeper-client/lib/Exception";
import { errorCodeName } from "./errors";

const GUARD_MARK = Symbol.for("charm-zookeeper.exception-guard");

/** What the guarded `create` returns for codes the library does not know. */
export class UnknownCodeException extends Error {
  readonly code: number;
  readonly path: string | undefined;

  constructor(code: number, path?: string) {
    super(`Exception: ${errorCodeName(code)}[${code}]${path ? `@${path}` : ""}`);
    this.name = errorCodeName(code);
    this.code = code;
    this.path = path;
  }

  /** Same accessor as the library's Exception, for any library code that calls it. */
  getCode(): number {
    return this.code;
  }
}

type CreateFn = Exception.ExceptionModule["create"];

/**
 * Installs the guard once per loaded copy of the library (idempotent). Called by
 * ZooKeeperManager.connect() before a connection exists, so importing the module changes nothing.
 */
export function installExceptionGuard(): void {
  const current = Exception.create as CreateFn & { [GUARD_MARK]?: true };
  if (current[GUARD_MARK]) return;
  const original = current;
  const guarded: CreateFn & { [GUARD_MARK]?: true } = (code, path) => {
    try {
      return original(code, path);
    } catch {
      // Never let a code (or a non-number) escape as a throw from the socket handler.
      return new UnknownCodeException(typeof code === "number" ? code : Number.NaN, path);
    }
  };
  guarded[GUARD_MARK] = true;
  Exception.create = guarded;
}

/** True when the guard is active (for tests). */
export function isExceptionGuardInstalled(): boolean {
  return Boolean((Exception.create as CreateFn & { [GUARD_MARK]?: true })[GUARD_MARK]);
}
