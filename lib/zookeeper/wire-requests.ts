/**
 * Requests node-zookeeper-client 1.1.3 cannot send — reconfig (opcode 16) and sync (opcode 9) —
 * built from the library's own jute layer, without forking it (notes §1.3).
 *
 * Two facts make this work:
 * - `jute.protocol.<Any>.super_` is the unexported spec-driven `Record` constructor (the library
 *   builds its classes with util.inherits), so a new record type is just a field list.
 * - ConnectionManager picks the *response* decoder from the in-memory `header.type`
 *   (`ConnectionManager.js:513-552`) and destroys the socket for types it does not know. So the
 *   header keeps a type it knows whose reply has the right shape, and only its `serialize` writes
 *   the real opcode onto the wire:
 *   - reconfig replies with a GetDataResponse (`FinalRequestProcessor.java:330-336`) → decode as GET_DATA;
 *   - sync replies with a single `path` string, the shape of CreateResponse → decode as CREATE.
 */
import jute from "node-zookeeper-client/lib/jute";

/** `OpCode.reconfig` in ZooDefs. */
export const RECONFIG_OPCODE = 16;
/** `OpCode.sync` in ZooDefs. */
export const SYNC_OPCODE = 9;

const Record = jute.protocol.GetDataRequest.super_;

/** `class ReconfigRequest` in zookeeper.jute (lines 119-124). */
const RECONFIG_REQUEST_SPEC: jute.AttributeSpec[] = [
  { name: "joiningServers", type: "ustring" },
  { name: "leavingServers", type: "ustring" },
  { name: "newMembers", type: "ustring" },
  { name: "curConfigId", type: "long" },
];

/**
 * `class SyncRequest { ustring path; }`. The field must be named `path` so the library applies a
 * chroot prefix like it does for its own requests.
 */
const SYNC_REQUEST_SPEC: jute.AttributeSpec[] = [{ name: "path", type: "ustring" }];

class ReconfigRequestRecord extends Record {
  constructor(
    joining: string | undefined,
    leaving: string | undefined,
    members: string | undefined,
    id: Buffer,
  ) {
    // Absent strings serialize as length -1, which Java reads back as null: the server tells
    // incremental from bulk reconfig by which fields are null (PrepRequestProcessor).
    super(RECONFIG_REQUEST_SPEC, [joining, leaving, members, id]);
  }
}

class SyncRequestRecord extends Record {
  constructor(path: string) {
    super(SYNC_REQUEST_SPEC, [path]);
  }
}

/**
 * A request header that is decoded as `decodeAs` but goes out on the wire as `wireOpcode`. The xid
 * is read at serialize time because ConnectionManager assigns it just before writing.
 */
function headerWithWireOpcode(decodeAs: number, wireOpcode: number): jute.RequestHeader {
  const header = new jute.protocol.RequestHeader();
  header.type = decodeAs;
  header.serialize = function serializeWithWireOpcode(
    this: jute.RequestHeader,
    buffer: Buffer,
    offset: number,
  ): number {
    buffer.writeInt32BE(this.xid, offset);
    buffer.writeInt32BE(wireOpcode, offset + 4);
    return 8;
  };
  return header;
}

export interface ReconfigPayload {
  /** Comma-separated `server.N=…` specs (or undefined). */
  readonly joiningServers?: string;
  /** Comma-separated server ids (or undefined). */
  readonly leavingServers?: string;
  /** Comma-separated full member list for a bulk reconfig (or undefined). */
  readonly newMembers?: string;
  /** The config version the change is based on; -1 means "whatever is current". */
  readonly curConfigId: bigint;
}

/** The framed reconfig request, ready for `connectionManager.queue`. */
export function buildReconfigRequest(payload: ReconfigPayload): jute.Request {
  const id = Buffer.alloc(8);
  id.writeBigInt64BE(payload.curConfigId);
  const record = new ReconfigRequestRecord(
    payload.joiningServers,
    payload.leavingServers,
    payload.newMembers,
    id,
  );
  return new jute.Request(headerWithWireOpcode(jute.OP_CODES.GET_DATA, RECONFIG_OPCODE), record);
}

/** The framed sync request, ready for `connectionManager.queue`. */
export function buildSyncRequest(path: string): jute.Request {
  return new jute.Request(
    headerWithWireOpcode(jute.OP_CODES.CREATE, SYNC_OPCODE),
    new SyncRequestRecord(path),
  );
}
