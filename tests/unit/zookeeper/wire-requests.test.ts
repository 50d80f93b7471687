import { createClient } from "node-zookeeper-client";
import jute from "node-zookeeper-client/lib/jute";
import { describe, expect, it } from "vitest";
import {
  ConnectionState,
  connectionManagerOf,
  type PacketCallback,
} from "../../../lib/zookeeper/library-internals";
import {
  buildReconfigRequest,
  buildSyncRequest,
  RECONFIG_OPCODE,
  SYNC_OPCODE,
} from "../../../lib/zookeeper/wire-requests";

/** Hex of a buffer in 4-byte groups, to compare against the layout written in notes §1.3. */
function words(buffer: Buffer): string {
  return (buffer.toString("hex").match(/.{1,8}/g) ?? []).join(" ");
}

function ustring(text: string): string {
  const length = Buffer.alloc(4);
  length.writeInt32BE(Buffer.byteLength(text));
  return Buffer.concat([length, Buffer.from(text)]).toString("hex");
}

describe("reconfig request frame", () => {
  it("matches the byte layout of notes §1.3 for joining=server.2=h:1:2;3, fromConfig=0x100000000", () => {
    const request = buildReconfigRequest({ joiningServers: "server.2=h:1:2;3", curConfigId: 0x100000000n });
    request.header!.xid = 7; // ConnectionManager assigns the xid just before writing
    const bytes = request.toBuffer();
    // length 44 | xid 7 | opcode 16 | joining (len 16 + text) | leaving null | members null | curConfigId
    const expected = `0000002c 00000007 00000010 ${ustring("server.2=h:1:2;3")} ffffffff ffffffff 00000001 00000000`;
    expect(bytes.toString("hex")).toBe(expected.replaceAll(" ", ""));
    expect(words(bytes.subarray(0, 12))).toBe("0000002c 00000007 00000010");
    expect(bytes.length).toBe(48);
  });

  it("writes leaving and bulk members, and -1 as 'any version'", () => {
    const leaving = buildReconfigRequest({ leavingServers: "3,12", curConfigId: -1n });
    leaving.header!.xid = 1;
    expect(leaving.toBuffer().toString("hex")).toBe(
      ["00000020", "00000001", "00000010", "ffffffff", ustring("3,12"), "ffffffff", "ffffffffffffffff"].join(
        "",
      ),
    );

    const members =
      "server.1=10.0.0.1:2888:3888:participant;10.0.0.1:2181,server.2=10.0.0.2:2888:3888:observer;2181";
    const bulk = buildReconfigRequest({ newMembers: members, curConfigId: 0x30000000an });
    bulk.header!.xid = 2;
    const hex = bulk.toBuffer().toString("hex");
    expect(hex.slice(8, 24)).toBe("0000000200000010");
    expect(hex).toContain(`ffffffffffffffff${ustring(members)}000000030000000a`);
  });

  it("keeps GET_DATA as the in-memory type so the reply is decoded as a GetDataResponse", () => {
    const request = buildReconfigRequest({ joiningServers: "server.5=a:1:2", curConfigId: 1n });
    expect(request.header!.type).toBe(jute.OP_CODES.GET_DATA);
    expect(RECONFIG_OPCODE).toBe(16);
  });
});

describe("sync request frame", () => {
  it("is length | xid | opcode 9 | path", () => {
    const request = buildSyncRequest("/zookeeper/config");
    request.header!.xid = 5;
    expect(words(request.toBuffer())).toBe(
      words(Buffer.from(`0000001d0000000500000009${ustring("/zookeeper/config")}`, "hex")),
    );
    expect(request.header!.type).toBe(jute.OP_CODES.CREATE);
    expect(SYNC_OPCODE).toBe(9);
  });
});

/**
 * Drives the library's own ConnectionManager with a fake socket: what it writes is what a server
 * would receive, and replies are fed to its real `onSocketData` handler.
 */
function fakeConnection() {
  const client = createClient("127.0.0.1:1");
  const cm = connectionManagerOf(client);
  const written: Buffer[] = [];
  cm.socket = { write: (b: Buffer) => written.push(Buffer.from(b)) > 0 } as unknown as typeof cm.socket;
  cm.state = ConnectionState.CONNECTED;
  return { cm, written };
}

function reply(xid: number, err: number, payload: Buffer = Buffer.alloc(0)): Buffer {
  const header = Buffer.alloc(16);
  header.writeInt32BE(xid, 0);
  header.writeBigInt64BE(0x100000005n, 4);
  header.writeInt32BE(err, 12);
  const body = Buffer.concat([header, payload]);
  const length = Buffer.alloc(4);
  length.writeInt32BE(body.length);
  return Buffer.concat([length, body]);
}

describe("through the library's ConnectionManager", () => {
  it("writes the reconfig frame with the next xid and decodes the reply's new config", () => {
    const { cm, written } = fakeConnection();
    const results: { error: unknown; data?: string }[] = [];
    const callback: PacketCallback = (error, response) => {
      const payload = response?.payload as jute.GetDataResponse | null | undefined;
      results.push({ error, data: payload?.data?.toString() });
    };
    cm.queue(buildReconfigRequest({ leavingServers: "2", curConfigId: -1n }), callback);
    expect(written).toHaveLength(1);
    expect(written[0]!.readInt32BE(4)).toBe(0); // first xid
    expect(written[0]!.readInt32BE(8)).toBe(RECONFIG_OPCODE);

    const config = Buffer.from("server.1=10.0.0.1:2888:3888:participant;10.0.0.1:2181\nversion=100000005");
    const dataField = Buffer.alloc(4);
    dataField.writeInt32BE(config.length);
    const stat = Buffer.alloc(68); // 8+8+8+8+4+4+4+8+4+4+8
    cm.onSocketData(reply(0, 0, Buffer.concat([dataField, config, stat])));
    expect(results).toEqual([{ error: null, data: config.toString() }]);
    expect(cm.pendingQueue).toHaveLength(0);
  });

  it("decodes the sync reply (a path) and keeps the connection", () => {
    const { cm, written } = fakeConnection();
    let path: string | undefined;
    cm.queue(buildSyncRequest("/"), (error, response) => {
      expect(error).toBeNull();
      path = (response?.payload as jute.CreateResponse | undefined)?.path;
    });
    expect(written[0]!.readInt32BE(8)).toBe(SYNC_OPCODE);
    cm.onSocketData(reply(0, 0, Buffer.from(`00000001${Buffer.from("/").toString("hex")}`, "hex")));
    expect(path).toBe("/");
  });
});
