import { describe, expect, it } from "vitest";
import {
  AuthFailedError,
  BadArgumentsError,
  BadVersionError,
  ConnectionLossError,
  errorCodeName,
  errorFromCode,
  isOutcomeUnknown,
  NewConfigNoQuorumError,
  NoAuthError,
  NodeExistsError,
  NoNodeError,
  NotEmptyError,
  ReconfigDisabledError,
  ReconfigInProgressError,
  SessionExpiredError,
  TimeoutError,
  ZooKeeperError,
  ZooKeeperServerError,
} from "../../../lib/zookeeper";

describe("errorFromCode", () => {
  it.each([
    [-14, ReconfigInProgressError, "RECONFIG_IN_PROGRESS"],
    [-13, NewConfigNoQuorumError, "NEW_CONFIG_NO_QUORUM"],
    [-103, BadVersionError, "BAD_VERSION"],
    [-102, NoAuthError, "NO_AUTH"],
    [-4, ConnectionLossError, "CONNECTION_LOSS"],
    [-101, NoNodeError, "NO_NODE"],
    [-110, NodeExistsError, "NODE_EXISTS"],
    [-111, NotEmptyError, "NOT_EMPTY"],
    [-112, SessionExpiredError, "SESSION_EXPIRED"],
    [-115, AuthFailedError, "AUTH_FAILED"],
    [-8, BadArgumentsError, "BAD_ARGUMENTS"],
    [-123, ReconfigDisabledError, "RECONFIG_DISABLED"],
    [-6, ZooKeeperServerError, "UNIMPLEMENTED"],
    [-4242, ZooKeeperServerError, "UNKNOWN(-4242)"],
  ])("%i → %o", (code, ErrorClass, name) => {
    const cause = new Error("library error");
    const error = errorFromCode(code, { op: "setData", path: "/a", cause });
    expect(error).toBeInstanceOf(ErrorClass);
    expect(error).toBeInstanceOf(ZooKeeperError);
    expect(error.name).toBe(ErrorClass.name);
    expect(error.code).toBe(code);
    expect(error.message.startsWith(`zookeeper setData /a: ${name} (${code})`)).toBe(true);
    expect(error.cause).toBe(cause);
    expect(errorCodeName(code)).toBe(name);
  });
});

describe("isOutcomeUnknown", () => {
  it("is true for a lost connection or a timeout after sending, false otherwise", () => {
    expect(isOutcomeUnknown(errorFromCode(-4, { op: "reconfig" }))).toBe(true);
    expect(errorFromCode(-4, { op: "reconfig" }).message).toMatch(/outcome is unknown/);
    expect(isOutcomeUnknown(errorFromCode(-4, { op: "reconfig", outcomeUnknown: false }))).toBe(false);
    expect(isOutcomeUnknown(new TimeoutError("x", { op: "reconfig", requestSent: true }))).toBe(true);
    expect(isOutcomeUnknown(new TimeoutError("x", { op: "reconfig", requestSent: false }))).toBe(false);
    expect(isOutcomeUnknown(errorFromCode(-13, { op: "reconfig" }))).toBe(false);
    expect(isOutcomeUnknown(new Error("other"))).toBe(false);
  });
});
