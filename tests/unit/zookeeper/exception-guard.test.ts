import { createClient } from "node-zookeeper-client";
import Exception from "node-zookeeper-client/lib/Exception";
import { describe, expect, it } from "vitest";
import {
  errorFromCode,
  NewConfigNoQuorumError,
  ReconfigDisabledError,
  ReconfigInProgressError,
  SessionClosedRequireAuthError,
  ZooKeeperServerError,
} from "../../../lib/zookeeper/errors";
import { installExceptionGuard, isExceptionGuardInstalled } from "../../../lib/zookeeper/exception-guard";
import { ConnectionState, connectionManagerOf } from "../../../lib/zookeeper/library-internals";
import { buildReconfigRequest } from "../../../lib/zookeeper/wire-requests";

function errorReply(xid: number, err: number): Buffer {
  const frame = Buffer.alloc(20);
  frame.writeInt32BE(16, 0);
  frame.writeInt32BE(xid, 4);
  frame.writeBigInt64BE(0n, 8);
  frame.writeInt32BE(err, 16);
  return frame;
}

describe("unknown server error codes", () => {
  it("make the unguarded library throw (the crash notes §1.1 describes)", () => {
    if (isExceptionGuardInstalled()) return; // another file in this worker already installed it
    expect(() => Exception.create(-13)).toThrow("Unknown code: -13");
  });

  it("become ordinary errors carrying the code once guarded", () => {
    installExceptionGuard();
    installExceptionGuard(); // idempotent
    expect(isExceptionGuardInstalled()).toBe(true);
    const error = Exception.create(-13);
    expect(error.code).toBe(-13);
    expect(error.getCode()).toBe(-13);
    expect(error.name).toBe("NEW_CONFIG_NO_QUORUM");
    // Known codes still come from the library.
    expect(Exception.create(Exception.CONNECTION_LOSS).code).toBe(-4);
  });

  it.each([
    [-13, NewConfigNoQuorumError],
    [-14, ReconfigInProgressError],
    [-123, ReconfigDisabledError],
    [-124, SessionClosedRequireAuthError],
    [-999, ZooKeeperServerError],
  ])(
    "code %i in a reply reaches the request callback, never a throw from the socket handler",
    (code, ErrorClass) => {
      installExceptionGuard();
      const cm = connectionManagerOf(createClient("127.0.0.1:1"));
      cm.socket = { write: () => true } as unknown as typeof cm.socket;
      cm.state = ConnectionState.CONNECTED;
      const received: unknown[] = [];
      cm.queue(buildReconfigRequest({ leavingServers: "2", curConfigId: -1n }), (error) =>
        received.push(error),
      );

      expect(() => cm.onSocketData(errorReply(0, code))).not.toThrow();
      expect(received).toHaveLength(1);
      const libraryError = received[0] as { code: number };
      expect(libraryError.code).toBe(code);

      const typed = errorFromCode(libraryError.code, { op: "reconfig", cause: libraryError });
      expect(typed).toBeInstanceOf(ErrorClass);
      expect(typed.code).toBe(code);
      expect(typed.message).toMatch(/^zookeeper reconfig: /);
      expect(typed.cause).toBe(libraryError);
    },
  );
});
