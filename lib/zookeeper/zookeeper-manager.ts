/**
 * ZooKeeperManager: an admin session to a ZooKeeper ensemble, with a timeout on every call,
 * typed errors, digest auth that is always in place before a request, reconfig and sync.
 *
 * It wraps node-zookeeper-client 1.1.3 (pinned) and corrects what that library gets wrong for an
 * operator (notes §1.1):
 * - no timeouts anywhere: a server without quorum gives no event at all, so every call and the
 *   connect carry their own deadline;
 * - requests queued while disconnected are written *before* the re-sent auth packet, so with
 *   `enforce.auth.enabled` the server closes the session (-124). Requests are therefore only handed to
 *   the library while it is connected; otherwise they wait (within their deadline) for the next
 *   `connected`, and anything left unsent when a connection drops is failed, not carried over;
 * - no read timeout: a stopped (SIGSTOPped) but TCP-alive server is never noticed. A watchdog drops a
 *   connection that has received nothing for 2/3 of the session timeout (as the Java client does),
 *   so the library moves on to the next host;
 * - unknown error codes crash the process (exception-guard.ts);
 * - no reconfig, no sync (wire-requests.ts).
 */
import type { Socket } from "node:net";
import {
  type Client,
  createClient,
  ACL as LibraryAcl,
  Id as LibraryId,
  type Stat as LibraryStat,
} from "node-zookeeper-client";
import type jute from "node-zookeeper-client/lib/jute";
import { type Acl, maskToPerms, permsToMask, worldAcl } from "./acl";
import { type EnsembleConfig, formatServer, parseEnsembleConfig, type ServerSpec } from "./ensemble-config";
import {
  AuthFailedError,
  BadArgumentsError,
  ClientClosedError,
  errorFromCode,
  NodeExistsError,
  NoNodeError,
  SessionExpiredError,
  TimeoutError,
  ZooKeeperError,
  ZooKeeperErrorCode,
} from "./errors";
import { installExceptionGuard } from "./exception-guard";
import {
  type ConnectionManagerInternals,
  ConnectionState,
  connectionManagerOf,
  type PacketCallback,
} from "./library-internals";
import { type NodeStat, toNodeStat } from "./node-stat";
import { buildReconfigRequest, buildSyncRequest } from "./wire-requests";

/** `ZooDefs.CONFIG_NODE`. */
export const CONFIG_NODE = "/zookeeper/config";

const DEFAULT_CONNECT_TIMEOUT_MS = 10_000;
const DEFAULT_REQUEST_TIMEOUT_MS = 10_000;
const DEFAULT_SESSION_TIMEOUT_MS = 10_000;
/** The library waits up to this long after trying every host once (its default is 1 s). */
const SPIN_DELAY_MS = 250;

export interface DigestAuth {
  readonly username: string;
  readonly password: string;
}

export interface ZooKeeperConnectOptions {
  /** `ip:port` of each server to try (IPv4 or hostnames; the library cannot parse IPv6 literals). */
  readonly hosts: readonly string[];
  /** Digest identity (e.g. the `super` user of `DigestAuthenticationProvider.superDigest`). */
  /**
   * Digest identities for the session. Several may be given: ZooKeeper checks each against its ACLs
   * and its superDigest, which lets a client keep working while a password rotation rolls through
   * the servers (old and new credentials overlap).
   */
  readonly auth?: DigestAuth | readonly DigestAuth[];
  /** How long {@link ZooKeeperManager.connect} may take to establish a session. Default 10 s. */
  readonly connectTimeoutMs?: number;
  /** Default deadline of every call, including the wait for a connection. Default 10 s. */
  readonly requestTimeoutMs?: number;
  /** Asked of the server, which clamps it to [2, 20] × tickTime. Default 10 s. */
  readonly sessionTimeoutMs?: number;
}

export interface CallOptions {
  /** Overrides the manager's request timeout for this call. */
  readonly timeoutMs?: number;
}

export interface VersionedCallOptions extends CallOptions {
  /** Expected node (or ACL) version; -1 (the default) means any. */
  readonly version?: number;
}

export type CreateMode = "persistent" | "ephemeral" | "persistent-sequential" | "ephemeral-sequential";

export interface CreateOptions extends CallOptions {
  /** Default: `world:anyone` with all permissions, as zkCli does. */
  readonly acl?: readonly Acl[];
  /** Default: persistent. */
  readonly mode?: CreateMode;
}

export interface EnsurePathOptions extends CallOptions {
  /** ACL for the nodes this call creates (existing nodes are left alone). */
  readonly acl?: readonly Acl[];
}

export interface NodeData {
  readonly data: Buffer;
  readonly stat: NodeStat;
}

export interface NodeAcl {
  readonly acl: Acl[];
  readonly stat: NodeStat;
}

export interface GetConfigOptions extends CallOptions {
  /**
   * `sync` first, so the server we are connected to has caught up with the leader before we read
   * (zookeeperReconfig-3.8.0.md "Retrieving the current dynamic configuration").
   */
  readonly sync?: boolean;
}

export interface ReconfigOptions extends CallOptions {
  /** Servers to add, or to change in place (same id, new role or ports). `ServerSpec` or `server.N=…`. */
  readonly joining?: readonly (ServerSpec | string)[];
  /** Server ids to remove. */
  readonly leaving?: readonly number[];
  /** Bulk reconfig: the complete new membership. Exclusive with joining/leaving. */
  readonly newMembers?: readonly (ServerSpec | string)[];
  /**
   * The config version this change was computed from (`EnsembleConfig.version`); the server refuses
   * with BAD_VERSION when the committed config has moved on. Omit for an unconditional change.
   */
  readonly fromConfig?: bigint;
}

const CREATE_MODE_FLAGS: Readonly<Record<CreateMode, number>> = {
  persistent: 0,
  ephemeral: 1,
  "persistent-sequential": 2,
  "ephemeral-sequential": 3,
};

/** What {@link ZooKeeperManager.onConnectionStateChange} reports. */
export type ConnectionStateName = "connected" | "disconnected" | "expired" | "auth-failed" | "closed";

const STATE_NAMES: ReadonlyMap<number, ConnectionStateName> = new Map<number, ConnectionStateName>([
  [ConnectionState.CONNECTED, "connected"],
  [ConnectionState.DISCONNECTED, "disconnected"],
  [ConnectionState.SESSION_EXPIRED, "expired"],
  [ConnectionState.AUTHENTICATION_FAILED, "auth-failed"],
  [ConnectionState.CLOSED, "closed"],
]);

interface ConnectionWaiter {
  readonly op: string;
  readonly path: string | undefined;
  resolve(): void;
  reject(error: ZooKeeperError): void;
}

type Done<T> = (error: unknown, value?: T) => void;

/** What {@link ZooKeeperManager} hands to callbacks of packets it takes back unsent. */
type UnsentPacketError = Error & { readonly code: number; readonly unsent: true };

function validateHosts(hosts: readonly string[]): string[] {
  if (hosts.length === 0) throw new BadArgumentsError("no hosts given", { op: "connect" });
  for (const host of hosts) {
    if (!/^[^\s,/:]+:\d{1,5}$/.test(host)) {
      throw new BadArgumentsError(`host must be "address:port", got ${JSON.stringify(host)}`, {
        op: "connect",
      });
    }
  }
  return [...hosts];
}

function validatePath(op: string, path: string): void {
  if (!path.startsWith("/") || (path.length > 1 && path.endsWith("/")) || path.includes("//")) {
    throw new BadArgumentsError(`invalid znode path ${JSON.stringify(path)}`, { op, path });
  }
}

function toLibraryAcls(op: string, acl: readonly Acl[]): LibraryAcl[] {
  if (acl.length === 0) throw new BadArgumentsError("an empty ACL list is not allowed", { op });
  return acl.map((entry) => new LibraryAcl(permsToMask(entry.perms), new LibraryId(entry.scheme, entry.id)));
}

function fromLibraryAcl(acl: LibraryAcl): Acl {
  // @types says `perms`, the 1.1.3 runtime object has `permission` (lib/ACL.js).
  const mask = (acl as unknown as { permission?: number }).permission ?? acl.perms;
  return { scheme: acl.id.scheme, id: acl.id.id, perms: maskToPerms(mask) };
}

function toBuffer(data: Buffer | string | undefined): Buffer {
  if (data === undefined) return Buffer.alloc(0);
  return typeof data === "string" ? Buffer.from(data, "utf8") : data;
}

function joinPath(parent: string, child: string): string {
  return parent === "/" ? `/${child}` : `${parent}/${child}`;
}

function serverList(op: string, entries: readonly (ServerSpec | string)[]): string {
  return entries
    .map((entry) => {
      const text = typeof entry === "string" ? entry.trim() : formatServer(entry);
      if (text === "" || text.includes(",")) {
        throw new BadArgumentsError(`bad server spec ${JSON.stringify(entry)}`, { op });
      }
      return text;
    })
    .join(",");
}

export class ZooKeeperManager {
  /** The hosts this manager may connect to. */
  readonly hosts: readonly string[];
  readonly requestTimeoutMs: number;

  private readonly client: Client;
  private readonly cm: ConnectionManagerInternals;
  private readonly waiters = new Set<ConnectionWaiter>();
  private readonly stateListeners = new Set<(state: ConnectionStateName) => void>();
  private readonly watchdog: ReturnType<typeof setInterval>;
  private closed = false;
  private terminalCode: number | undefined;
  private watchedSocket: Socket | undefined;
  private lastReadAt = 0;

  private constructor(
    client: Client,
    hosts: readonly string[],
    requestTimeoutMs: number,
    sessionTimeoutMs: number,
  ) {
    this.client = client;
    this.cm = connectionManagerOf(client);
    this.hosts = hosts;
    this.requestTimeoutMs = requestTimeoutMs;

    // Once closed, a reconnect already scheduled by the library must not open a new socket (it would
    // keep the process alive and create a session nobody closes).
    const findNextServer = this.cm.findNextServer.bind(this.cm);
    this.cm.findNextServer = (callback) =>
      findNextServer((server) => {
        if (!this.closed) callback(server);
      });
    this.cm.on("state", (state: number) => this.onState(state));

    const period = Math.max(100, Math.floor(sessionTimeoutMs / 10));
    this.watchdog = setInterval(() => this.checkReadTimeout(), period);
    this.watchdog.unref();
  }

  /**
   * Opens a session and resolves once it is established (and the auth packet is queued ahead of any
   * request). Fails with {@link TimeoutError} when no server gives a session in time — e.g. none has
   * quorum, which the library never reports (notes §1.1, tested: no event at all).
   */
  static async connect(options: ZooKeeperConnectOptions): Promise<ZooKeeperManager> {
    // Installed with the first session, not on import: importing lib/zookeeper has no side effects.
    installExceptionGuard();
    const hosts = validateHosts(options.hosts);
    const identities: readonly DigestAuth[] =
      options.auth === undefined ? [] : "username" in options.auth ? [options.auth] : options.auth;
    for (const { username } of identities) {
      if (username === "" || username.includes(":")) {
        throw new BadArgumentsError("digest username must be non-empty and have no ':'", { op: "connect" });
      }
    }
    const connectTimeoutMs = options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS;
    const sessionTimeoutMs = options.sessionTimeoutMs ?? DEFAULT_SESSION_TIMEOUT_MS;
    const client = createClient(hosts.join(","), {
      sessionTimeout: sessionTimeoutMs,
      spinDelay: SPIN_DELAY_MS,
      // The library's retry re-sends on CONNECTION_LOSS, which is wrong for non-idempotent writes.
      retries: 0,
    });
    const manager = new ZooKeeperManager(
      client,
      hosts,
      options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS,
      sessionTimeoutMs,
    );
    for (const { username, password } of identities) {
      // Registered before connect(): the library queues it right after the ConnectRequest of every new
      // socket, and we send nothing until `connected`, so it always precedes our requests.
      client.addAuthInfo("digest", Buffer.from(`${username}:${password}`, "utf8"));
    }
    client.connect();
    try {
      await manager.waitUntilConnected("connect", undefined, Date.now() + connectTimeoutMs);
    } catch (error) {
      await manager.close();
      throw error;
    }
    return manager;
  }

  /** The session id (0n before the first session). */
  get sessionId(): bigint {
    return this.client.getSessionId().readBigInt64BE(0);
  }

  /** The session timeout the server granted. */
  get sessionTimeoutMs(): number {
    return this.client.getSessionTimeout();
  }

  /** True while a session is established and usable. */
  get isConnected(): boolean {
    return !this.closed && this.cm.state === ConnectionState.CONNECTED;
  }

  /** `ip:port` of the server the session currently runs on, if connected. */
  get connectedServer(): string | undefined {
    const socket = this.cm.socket;
    if (!this.isConnected || !socket?.remoteAddress) return undefined;
    return `${socket.remoteAddress}:${socket.remotePort}`;
  }

  /**
   * Calls `listener` on every connection state change (for logging; calls need no help: they wait for
   * a connection themselves). Returns a function that removes the listener.
   */
  onConnectionStateChange(listener: (state: ConnectionStateName) => void): () => void {
    this.stateListeners.add(listener);
    return () => this.stateListeners.delete(listener);
  }

  // ---------------------------------------------------------------------------------------------
  // Membership

  /** Reads `/zookeeper/config` (optionally after a sync) and parses it. */
  async getConfig(options: GetConfigOptions = {}): Promise<EnsembleConfig> {
    if (options.sync) await this.sync(CONFIG_NODE, options);
    const { data } = await this.getData(CONFIG_NODE, options);
    return parseEnsembleConfig(data.toString("utf8"));
  }

  /**
   * Changes the membership and returns the new committed config (the server's reply).
   *
   * Errors to expect (notes §3.3-§3.5, §5 item 5): NewConfigNoQuorumError and
   * ReconfigInProgressError → retry later; BadVersionError → re-read and recompute; NoAuthError →
   * not a super user; ConnectionLossError / TimeoutError(requestSent) → the change may have
   * committed (typical when removing the leader): reconnect, `getConfig({ sync: true })` and compare.
   */
  async reconfig(options: ReconfigOptions): Promise<EnsembleConfig> {
    const op = "reconfig";
    const joining = options.joining?.length ? serverList(op, options.joining) : undefined;
    const leaving = options.leaving?.length ? options.leaving : undefined;
    const members = options.newMembers?.length ? serverList(op, options.newMembers) : undefined;
    if (members !== undefined && (joining !== undefined || leaving !== undefined)) {
      throw new BadArgumentsError("newMembers excludes joining/leaving", { op });
    }
    if (members === undefined && joining === undefined && leaving === undefined) {
      throw new BadArgumentsError("nothing to change", { op });
    }
    for (const id of leaving ?? []) {
      if (!Number.isSafeInteger(id) || id < 0) throw new BadArgumentsError(`bad server id ${id}`, { op });
    }
    const request = buildReconfigRequest({
      joiningServers: joining,
      leavingServers: leaving?.join(","),
      newMembers: members,
      curConfigId: options.fromConfig ?? -1n,
    });
    const response = await this.call<jute.Response>(op, undefined, options, (done) =>
      this.cm.queue(request, done as PacketCallback),
    );
    const payload = response.payload as jute.GetDataResponse | null;
    return parseEnsembleConfig((payload?.data ?? Buffer.alloc(0)).toString("utf8"));
  }

  /** Brings the connected server up to date with the leader (opcode 9, notes §1.3). */
  async sync(path = "/", options: CallOptions = {}): Promise<void> {
    validatePath("sync", path);
    const request = buildSyncRequest(path);
    await this.call<jute.Response>("sync", path, options, (done) =>
      this.cm.queue(request, done as PacketCallback),
    );
  }

  // ---------------------------------------------------------------------------------------------
  // Data

  /** The node's stat, or undefined when it does not exist. */
  async exists(path: string, options: CallOptions = {}): Promise<NodeStat | undefined> {
    return this.call("exists", path, options, (done: Done<NodeStat | undefined>) =>
      this.client.exists(path, (error, stat) =>
        error ? done(error) : done(null, stat ? toNodeStat(stat as LibraryStat) : undefined),
      ),
    );
  }

  async getData(path: string, options: CallOptions = {}): Promise<NodeData> {
    return this.call("getData", path, options, (done: Done<NodeData>) =>
      this.client.getData(path, (error, data, stat) =>
        error ? done(error) : done(null, { data: data ?? Buffer.alloc(0), stat: toNodeStat(stat) }),
      ),
    );
  }

  async setData(path: string, data: Buffer | string, options: VersionedCallOptions = {}): Promise<NodeStat> {
    return this.call("setData", path, options, (done: Done<NodeStat>) =>
      this.client.setData(path, toBuffer(data), options.version ?? -1, (error, stat) =>
        error ? done(error) : done(null, toNodeStat(stat)),
      ),
    );
  }

  /** Creates a node; returns its path (which differs from `path` for sequential modes). */
  async create(path: string, data?: Buffer | string, options: CreateOptions = {}): Promise<string> {
    const acls = toLibraryAcls("create", options.acl ?? [worldAcl("cdrwa")]);
    const flags = CREATE_MODE_FLAGS[options.mode ?? "persistent"];
    return this.call("create", path, options, (done: Done<string>) =>
      this.client.create(path, toBuffer(data), acls, flags, (error, created) =>
        error ? done(error) : done(null, created),
      ),
    );
  }

  /** Creates `path` and any missing ancestors (mkdir -p). Existing nodes are left as they are. */
  async ensurePath(path: string, options: EnsurePathOptions = {}): Promise<void> {
    validatePath("ensurePath", path);
    let current = "";
    for (const part of path.split("/").filter(Boolean)) {
      current = `${current}/${part}`;
      // Check first: creating under a parent we may not CREATE in fails with NO_AUTH even when the
      // node already exists (the ACL check comes before the existence check).
      if (await this.exists(current, options)) continue;
      try {
        await this.create(current, undefined, { ...options, mode: "persistent" });
      } catch (error) {
        if (!(error instanceof NodeExistsError)) throw error;
      }
    }
  }

  async delete(path: string, options: VersionedCallOptions = {}): Promise<void> {
    await this.call("delete", path, options, (done: Done<void>) =>
      this.client.remove(path, options.version ?? -1, (error) => done(error)),
    );
  }

  /** Deletes the node and everything below it. Nodes that vanish meanwhile are fine. */
  async deleteRecursive(path: string, options: CallOptions = {}): Promise<void> {
    validatePath("deleteRecursive", path);
    let children: string[];
    try {
      children = await this.getChildren(path, options);
    } catch (error) {
      if (error instanceof NoNodeError) return;
      throw error;
    }
    for (const child of children) await this.deleteRecursive(joinPath(path, child), options);
    try {
      await this.delete(path, options);
    } catch (error) {
      if (!(error instanceof NoNodeError)) throw error;
    }
  }

  /** Child names, sorted. */
  async getChildren(path: string, options: CallOptions = {}): Promise<string[]> {
    return this.call("getChildren", path, options, (done: Done<string[]>) =>
      this.client.getChildren(path, (error, children) =>
        error ? done(error) : done(null, [...children].sort()),
      ),
    );
  }

  async getACL(path: string, options: CallOptions = {}): Promise<NodeAcl> {
    return this.call("getACL", path, options, (done: Done<NodeAcl>) =>
      this.client.getACL(path, (error, acls, stat) =>
        error ? done(error) : done(null, { acl: acls.map(fromLibraryAcl), stat: toNodeStat(stat) }),
      ),
    );
  }

  async setACL(path: string, acl: readonly Acl[], options: VersionedCallOptions = {}): Promise<NodeStat> {
    const acls = toLibraryAcls("setACL", acl);
    return this.call("setACL", path, options, (done: Done<NodeStat>) =>
      this.client.setACL(path, acls, options.version ?? -1, (error, stat) =>
        error ? done(error) : done(null, toNodeStat(stat)),
      ),
    );
  }

  /** Sets the ACL on the node and every descendant (parents first). */
  async setACLRecursive(path: string, acl: readonly Acl[], options: CallOptions = {}): Promise<void> {
    await this.setACL(path, acl, options);
    let children: string[];
    try {
      children = await this.getChildren(path, options);
    } catch (error) {
      if (error instanceof NoNodeError) return;
      throw error;
    }
    for (const child of children) {
      try {
        await this.setACLRecursive(joinPath(path, child), acl, options);
      } catch (error) {
        if (!(error instanceof NoNodeError)) throw error;
      }
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Lifecycle

  /**
   * Closes the session (CLOSE_SESSION when connected) and stops all reconnecting. Calls still
   * waiting for a connection fail with {@link ClientClosedError}. Idempotent.
   */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.watchdog);
    for (const waiter of this.waiters) {
      waiter.reject(new ClientClosedError("the manager was closed", { op: waiter.op, path: waiter.path }));
    }
    this.waiters.clear();

    const cm = this.cm;
    if (cm.state === ConnectionState.CONNECTED || cm.state === ConnectionState.CONNECTED_READ_ONLY) {
      const closedOrTimeout = new Promise<void>((resolve) => {
        const timer = setTimeout(finish, Math.min(1000, this.requestTimeoutMs));
        function onState(state: number): void {
          if (state === ConnectionState.CLOSED) finish();
        }
        function finish(): void {
          clearTimeout(timer);
          cm.removeListener("state", onState);
          resolve();
        }
        cm.on("state", onState);
      });
      this.client.close();
      await closedOrTimeout;
      // A server that does not answer CLOSE_SESSION (stopped, partitioned) must not hold us.
      if ((cm.state as number) !== ConnectionState.CLOSED) this.dropConnection();
      return;
    }
    if (cm.state === ConnectionState.CLOSED) return;
    // Not connected: there is no session to close, and client.close() would try to write to a socket
    // that may not exist yet. Mark CLOSING so the socket's close event does not trigger a reconnect.
    cm.setState(ConnectionState.CLOSING);
    if (cm.connectTimeoutHandler) clearTimeout(cm.connectTimeoutHandler);
    const socket = cm.socket;
    if (socket && !socket.destroyed) {
      socket.destroy();
    } else {
      cm.setState(ConnectionState.CLOSED);
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Internals

  private onState(state: number): void {
    switch (state) {
      case ConnectionState.CONNECTED:
        this.watchSocket();
        for (const waiter of this.waiters) waiter.resolve();
        this.waiters.clear();
        break;
      case ConnectionState.DISCONNECTED:
        this.failUnsentPackets();
        break;
      case ConnectionState.SESSION_EXPIRED:
        this.setTerminal(ZooKeeperErrorCode.SESSION_EXPIRED);
        break;
      case ConnectionState.AUTHENTICATION_FAILED:
        this.setTerminal(ZooKeeperErrorCode.AUTH_FAILED);
        break;
      case ConnectionState.CLOSED:
        if (!this.closed) this.setTerminal(ZooKeeperErrorCode.SESSION_EXPIRED);
        break;
      default:
        break;
    }
    const name = STATE_NAMES.get(state);
    if (name === undefined) return;
    for (const listener of this.stateListeners) {
      try {
        listener(name);
      } catch {
        // A listener must not break the library's state machine (we run inside its socket handlers).
      }
    }
  }

  private setTerminal(code: number): void {
    this.terminalCode ??= code;
    for (const waiter of this.waiters) waiter.reject(this.terminalError(waiter.op, waiter.path));
    this.waiters.clear();
  }

  private terminalError(op: string, path: string | undefined): ZooKeeperError {
    return this.terminalCode === ZooKeeperErrorCode.AUTH_FAILED
      ? new AuthFailedError("authentication failed; connect a new manager", {
          op,
          path,
          code: this.terminalCode,
        })
      : new SessionExpiredError("the session expired or was closed by the server; connect a new manager", {
          op,
          path,
          code: ZooKeeperErrorCode.SESSION_EXPIRED,
        });
  }

  /**
   * Packets still in the library's outgoing queue when a socket closes would be written on the next
   * socket before its auth packet (notes §1.1 ordering bug). Fail them instead; they were never sent.
   */
  private failUnsentPackets(): void {
    const unsent = this.cm.packetQueue.queue.splice(0);
    for (const packet of unsent) {
      const notSent: UnsentPacketError = Object.assign(
        new Error("connection closed before the request was sent"),
        {
          code: ZooKeeperErrorCode.CONNECTION_LOSS,
          unsent: true as const,
        },
      );
      packet.callback?.(notSent as unknown as Parameters<PacketCallback>[0]);
    }
  }

  private watchSocket(): void {
    this.lastReadAt = Date.now();
    const socket = this.cm.socket;
    if (socket && socket !== this.watchedSocket) {
      this.watchedSocket = socket;
      socket.on("data", () => {
        this.lastReadAt = Date.now();
      });
    }
  }

  /**
   * The read timeout the library lacks (its readTimeout line is commented out,
   * `ConnectionManager.js:116`). It pings every sessionTimeout/3 when idle, so a healthy connection
   * always reads something within 2/3 of the session timeout.
   */
  private checkReadTimeout(): void {
    if (this.closed || this.cm.state !== ConnectionState.CONNECTED) return;
    const readTimeout = Math.floor((this.cm.sessionTimeout * 2) / 3);
    if (Date.now() - this.lastReadAt > readTimeout) this.dropConnection();
  }

  /** Closes the socket; the library fails in-flight requests with CONNECTION_LOSS and reconnects. */
  private dropConnection(): void {
    const socket = this.cm.socket;
    if (socket && !socket.destroyed) socket.destroy();
  }

  private waitUntilConnected(op: string, path: string | undefined, deadline: number): Promise<void> {
    if (this.closed) return Promise.reject(new ClientClosedError("the manager is closed", { op, path }));
    if (this.terminalCode !== undefined) return Promise.reject(this.terminalError(op, path));
    if (this.cm.state === ConnectionState.CONNECTED) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      const waiter: ConnectionWaiter = {
        op,
        path,
        resolve: () => {
          clearTimeout(timer);
          resolve();
        },
        reject: (error) => {
          clearTimeout(timer);
          reject(error);
        },
      };
      const timer = setTimeout(
        () => {
          this.waiters.delete(waiter);
          const what = op === "connect" ? `no session with any of ${this.hosts.join(",")}` : "not connected";
          reject(
            new TimeoutError(
              `${what} within the deadline (server down, stopped or without quorum); request not sent`,
              {
                op,
                path,
                requestSent: false,
              },
            ),
          );
        },
        Math.max(0, deadline - Date.now()),
      );
      this.waiters.add(waiter);
    });
  }

  /**
   * Runs one request with a deadline that covers waiting for a connection and waiting for the reply.
   * The request is handed to the library only while connected (see the file comment).
   */
  private async call<T>(
    op: string,
    path: string | undefined,
    options: CallOptions,
    send: (done: Done<T>) => void,
  ): Promise<T> {
    const timeoutMs = options.timeoutMs ?? this.requestTimeoutMs;
    const deadline = Date.now() + timeoutMs;
    if (path !== undefined && typeof path !== "string") {
      throw new BadArgumentsError("path must be a string", { op });
    }
    await this.waitUntilConnected(op, path, deadline);
    return new Promise<T>((resolve, reject) => {
      let settled = false;
      const timer = setTimeout(
        () => {
          if (settled) return;
          settled = true;
          reject(
            new TimeoutError(`no reply within ${timeoutMs} ms; the outcome is unknown`, {
              op,
              path,
              requestSent: true,
            }),
          );
        },
        Math.max(0, deadline - Date.now()),
      );
      const done: Done<T> = (error, value) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        if (error) reject(this.translate(error, op, path));
        else resolve(value as T);
      };
      try {
        send(done);
      } catch (error) {
        // The library asserts its arguments synchronously (paths, ACLs, data size).
        done(
          error instanceof ZooKeeperError
            ? error
            : new BadArgumentsError(error instanceof Error ? error.message : String(error), {
                op,
                path,
                cause: error,
              }),
        );
      }
    });
  }

  private translate(error: unknown, op: string, path: string | undefined): ZooKeeperError {
    if (error instanceof ZooKeeperError) return error;
    const code = (error as { code?: unknown } | null)?.code;
    if (typeof code === "number") {
      const unsent = (error as Partial<UnsentPacketError>).unsent === true;
      return errorFromCode(code, { op, path, cause: error, outcomeUnknown: !unsent });
    }
    return new ZooKeeperError(error instanceof Error ? error.message : String(error), {
      op,
      path,
      cause: error,
    });
  }
}
