/**
 * The private parts of node-zookeeper-client 1.1.3 this library depends on, typed in one place.
 * They were read from the pinned version (`lib/ConnectionManager.js`, notes §1.2). The package is
 * pinned exactly in package.json; {@link connectionManagerOf} checks the shape at run time so a
 * different version fails loudly at connect instead of misbehaving later.
 */
import type { EventEmitter } from "node:events";
import type { Socket } from "node:net";
import type { Client } from "node-zookeeper-client";
import type Exception from "node-zookeeper-client/lib/Exception";
import type jute from "node-zookeeper-client/lib/jute";

/** `ConnectionManager.STATES` (`ConnectionManager.js:22-31`). */
export const ConnectionState = {
  DISCONNECTED: 0,
  CONNECTING: 1,
  CONNECTED: 2,
  CONNECTED_READ_ONLY: 3,
  CLOSING: -1,
  CLOSED: -2,
  SESSION_EXPIRED: -3,
  AUTHENTICATION_FAILED: -4,
} as const;

export type PacketCallback = (error: Exception.LibraryException | null, response?: jute.Response) => void;

export interface QueuedPacket {
  readonly request: jute.Request;
  readonly callback?: PacketCallback;
}

export interface ConnectionManagerInternals extends EventEmitter {
  state: number;
  socket: Socket | undefined;
  connectTimeoutHandler: ReturnType<typeof setTimeout> | null;
  /** Not yet written to the socket (`PacketQueue`). */
  packetQueue: { queue: QueuedPacket[] };
  /** Written, waiting for a reply, matched by xid in order. */
  pendingQueue: QueuedPacket[];
  sessionTimeout: number;
  queue(request: jute.Request, callback?: PacketCallback): void;
  setState(state: number): void;
  findNextServer(callback: (server: { host: string; port: number | string }) => void): void;
  onSocketData(buffer: Buffer): void;
}

/** The client's ConnectionManager, after checking it has what we use. */
export function connectionManagerOf(client: Client): ConnectionManagerInternals {
  const cm = (client as unknown as { connectionManager?: Partial<ConnectionManagerInternals> })
    .connectionManager;
  const ok =
    cm !== undefined &&
    typeof cm.queue === "function" &&
    typeof cm.setState === "function" &&
    typeof cm.findNextServer === "function" &&
    typeof cm.onSocketData === "function" &&
    Array.isArray(cm.pendingQueue) &&
    Array.isArray(cm.packetQueue?.queue) &&
    typeof cm.state === "number";
  if (!ok) {
    throw new Error(
      "zookeeper: node-zookeeper-client internals differ from 1.1.3 (connectionManager.queue/packetQueue/pendingQueue); keep the dependency pinned",
    );
  }
  return cm as ConnectionManagerInternals;
}
