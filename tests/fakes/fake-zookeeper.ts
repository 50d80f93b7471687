/**
 * An in-memory ZooKeeper ensemble behind the `Ensemble` port, for tests that run the charm's
 * reconcile in milliseconds. It models the rules the charm's decisions rest on, and the contract
 * suite (tests/ports/ensemble-contract.ts) holds it to what real ZooKeeper does:
 *
 * - a server starts from the membership in its dynamic file: alone as the only participant it
 *   bootstraps the ensemble; listed as an observer beside the committed voters it syncs and serves as
 *   a non-voting member; left out of the committed membership, or started from voters that are not
 *   the committed ones, it never serves (the stranded joiner);
 * - members serve only while a majority of the committed voters runs; the ZooKeeper leader stays
 *   leader while it runs, else the highest running voter takes over;
 * - `reconfig` needs the super user, refuses a stale `fromConfig` (BadVersion) and a membership whose
 *   voters could not form a quorum of synced, running servers (NewConfigNoQuorum), and every running
 *   member learns the committed membership at once;
 * - znodes carry ACLs checked as ZooKeeper checks them (CREATE/DELETE on the parent, READ, WRITE,
 *   ADMIN on the node; the super digest of the server a session is connected to passes everything);
 *   quotas are stored, not enforced.
 *
 * Servers are started and stopped by the fake machines (tests/fakes/fake-machine.ts), which persist
 * each membership a server learns as ZooKeeper does (`zoo.cfg.dynamic.<version>`).
 */
import {
  type Acl,
  type DigestAuth,
  digestCredential,
  type EnsembleConfig,
  errorFromCode,
  formatEnsembleConfig,
  type ServerSpec,
} from "../../lib/zookeeper";
import type { NodeStat } from "../../lib/zookeeper/node-stat";
import type { NodeAcl, NodeData } from "../../lib/zookeeper/zookeeper-manager";
import type { Admin, Ensemble, ServerProbe, ZnodeSession } from "../../src/ports/ensemble";

/** The first version a bootstrapped ensemble's membership gets (epoch 1, counter 0). */
const FIRST_VERSION = 0x100000000n;

const CODE = {
  CONNECTION_LOSS: -4,
  NEW_CONFIG_NO_QUORUM: -13,
  NO_NODE: -101,
  NO_AUTH: -102,
  BAD_VERSION: -103,
  NODE_EXISTS: -110,
  NOT_EMPTY: -111,
} as const;

export interface FakeServerStart {
  readonly id: number;
  /** The membership in the dynamic file it starts from. */
  readonly servers: readonly ServerSpec[];
  /** `super:<base64 sha1>` from zoo.cfg (DigestAuthenticationProvider.superDigest). */
  readonly superDigest?: string;
  /** Called with each membership the server learns (ZooKeeper writes zoo.cfg.dynamic.<version>). */
  readonly persist?: (config: EnsembleConfig) => void;
  /** The version it reports in srvr, as a real server built from that package would. */
  readonly version?: string;
}

interface FakeServer {
  readonly id: number;
  readonly address: string;
  /** The super user's digest this server was started with (zoo.cfg). */
  superDigest: string | undefined;
  running: boolean;
  /** The membership it started from or last learned. */
  view: EnsembleConfig;
  persist: ((config: EnsembleConfig) => void) | undefined;
  version: string | undefined;
}

interface FakeNode {
  data: Buffer;
  acl: Acl[];
  version: number;
  aversion: number;
  cversion: number;
  czxid: bigint;
  mzxid: bigint;
}

const OPEN_ACL: Acl[] = [{ scheme: "world", id: "anyone", perms: "cdrwa" }];

function parentOf(path: string): string {
  const index = path.lastIndexOf("/");
  return index <= 0 ? "/" : path.slice(0, index);
}

function sameVoters(a: EnsembleConfig, b: EnsembleConfig): boolean {
  const voters = (config: EnsembleConfig) =>
    config.servers
      .filter((server) => server.role === "participant")
      .map((server) => `${server.id}@${server.address}`)
      .sort()
      .join(",");
  return voters(a) === voters(b);
}

export class FakeZooKeeper implements Ensemble {
  private readonly servers = new Map<string, FakeServer>();
  private committed: EnsembleConfig | undefined;
  private leaderId: number | undefined;
  private readonly tree = new Map<string, FakeNode>();
  private zxid = FIRST_VERSION;
  /** Leader elections after the first leader (a rolling restart should cause one at most). */
  elections = 0;

  /** The committed membership, as `/zookeeper/config` would say (tests assert on it). */
  get membership(): EnsembleConfig | undefined {
    return this.committed;
  }

  // --- servers (driven by the fake machines) ---------------------------------------------------

  start(address: string, start: FakeServerStart): void {
    const view = { version: 0n, servers: [...start.servers].sort((a, b) => a.id - b.id) };
    const server: FakeServer = {
      id: start.id,
      address,
      superDigest: start.superDigest,
      running: true,
      view,
      persist: start.persist,
      version: start.version,
    };
    this.servers.set(address, server);
    const self = view.servers.find((candidate) => candidate.id === start.id);
    if (!this.committed && view.servers.length === 1 && self?.role === "participant") {
      // Bootstrap: the only participant of its own membership forms the ensemble.
      this.commit({ version: this.nextZxid(), servers: view.servers });
      this.leaderId = start.id;
      this.initTree();
      return;
    }
    // A member resumes with the committed membership; a joiner keeps its own until it is added.
    if (this.committed?.servers.some((spec) => spec.id === start.id && spec.address === address))
      this.learn(server, this.committed);
  }

  /** Every running server restarted with another super digest (as if edited behind the charm's back). */
  changeSuperDigest(digest: string): void {
    for (const server of this.servers.values()) if (server.running) server.superDigest = digest;
  }

  stop(address: string): void {
    const server = this.servers.get(address);
    if (server) server.running = false;
    if (server && server.id === this.leaderId) this.leaderId = undefined;
  }

  // --- the Ensemble port ----------------------------------------------------------------------

  async probe(address: string): Promise<ServerProbe> {
    const server = this.servers.get(address);
    if (!server?.running) return { reachable: false, serving: false, mode: undefined };
    const mode = this.modeOf(server);
    return mode
      ? { reachable: true, serving: true, mode, version: server.version }
      : { reachable: true, serving: false, mode: undefined, version: server.version };
  }

  async localMembership(address: string): Promise<EnsembleConfig | undefined> {
    const server = this.servers.get(address);
    return server?.running && this.modeOf(server) ? this.committed : undefined;
  }

  async withSession<T>(admin: Admin, work: (zk: ZnodeSession) => Promise<T>): Promise<T> {
    const host = admin.hosts
      .map((hostPort) => this.servers.get(hostPort.slice(0, hostPort.lastIndexOf(":"))))
      .find((server) => server?.running && this.modeOf(server));
    if (!host) throw errorFromCode(CODE.CONNECTION_LOSS, { op: "connect", server: admin.hosts.join(",") });
    return work(new FakeSession(this, admin.auth, host.superDigest));
  }

  // --- membership rules -------------------------------------------------------------------------

  /** A server in the committed membership, or a joiner started from the committed voters. */
  private isMember(server: FakeServer): boolean {
    const committed = this.committed;
    if (!committed) return false;
    if (
      committed.servers.some(
        (candidate) => candidate.id === server.id && candidate.address === server.address,
      )
    )
      return true;
    const self = server.view.servers.find((candidate) => candidate.id === server.id);
    return self?.role === "observer" && sameVoters(server.view, committed);
  }

  private hasQuorum(): boolean {
    const voters = this.committed?.servers.filter((server) => server.role === "participant") ?? [];
    const running = voters.filter((voter) => this.servers.get(voter.address)?.running);
    return voters.length > 0 && running.length * 2 > voters.length;
  }

  private modeOf(server: FakeServer): ServerProbe["mode"] {
    const committed = this.committed;
    if (!committed || !server.running || !this.hasQuorum() || !this.isMember(server)) return undefined;
    const spec = committed.servers.find((candidate) => candidate.id === server.id);
    if (!spec || spec.role === "observer") return "observer";
    return server.id === this.currentLeader() ? "leader" : "follower";
  }

  private currentLeader(): number | undefined {
    const voters = (this.committed?.servers ?? []).filter(
      (server) => server.role === "participant" && this.servers.get(server.address)?.running,
    );
    if (!voters.some((voter) => voter.id === this.leaderId)) {
      this.leaderId = voters.at(-1)?.id;
      if (this.leaderId !== undefined) this.elections += 1;
    }
    return this.leaderId;
  }

  private nextZxid(): bigint {
    this.zxid += 1n;
    return this.zxid;
  }

  private commit(config: EnsembleConfig): void {
    this.committed = config;
    for (const server of this.servers.values()) {
      if (server.running && config.servers.some((spec) => spec.id === server.id)) this.learn(server, config);
    }
  }

  private learn(server: FakeServer, config: EnsembleConfig): void {
    if (server.view.version === config.version) return;
    server.view = config;
    server.persist?.(config);
  }

  /** `reconfig` with ZooKeeper's checks (called by a session). */
  reconfigure(
    isSuper: boolean,
    change: { joining: readonly ServerSpec[]; leaving: readonly number[]; fromConfig: bigint | undefined },
  ): EnsembleConfig {
    const committed = this.committed!;
    if (!isSuper) throw errorFromCode(CODE.NO_AUTH, { op: "reconfig", path: "/zookeeper/config" });
    if (change.fromConfig !== undefined && change.fromConfig !== committed.version)
      throw errorFromCode(CODE.BAD_VERSION, { op: "reconfig", path: "/zookeeper/config" });
    const joining = new Map(change.joining.map((spec) => [spec.id, spec]));
    const servers = [
      ...committed.servers.filter((spec) => !change.leaving.includes(spec.id) && !joining.has(spec.id)),
      ...joining.values(),
    ].sort((a, b) => a.id - b.id);
    // The new voters must form a quorum of running servers that are synced with the leader.
    const voters = servers.filter((spec) => spec.role === "participant");
    const synced = voters.filter((spec) => {
      const server = this.servers.get(spec.address);
      return server?.id === spec.id && server.running && this.modeOf(server) !== undefined;
    });
    if (voters.length === 0 || synced.length * 2 <= voters.length)
      throw errorFromCode(CODE.NEW_CONFIG_NO_QUORUM, { op: "reconfig", path: "/zookeeper/config" });
    const config = { version: this.nextZxid(), servers };
    this.commit(config);
    return config;
  }

  // --- the znode tree ---------------------------------------------------------------------------

  private initTree(): void {
    if (this.tree.size > 0) return;
    for (const path of ["/", "/zookeeper", "/zookeeper/quota"])
      this.tree.set(path, this.newNode("", OPEN_ACL));
    this.tree.set("/zookeeper/config", this.newNode("", [{ scheme: "world", id: "anyone", perms: "r" }]));
  }

  newNode(data: string | Buffer, acl: readonly Acl[]): FakeNode {
    const zxid = this.nextZxid();
    return {
      data: Buffer.from(data),
      acl: [...acl],
      version: 0,
      aversion: 0,
      cversion: 0,
      czxid: zxid,
      mzxid: zxid,
    };
  }

  node(path: string): FakeNode | undefined {
    return this.tree.get(path);
  }

  children(path: string): string[] {
    const prefix = path === "/" ? "/" : `${path}/`;
    return [...this.tree.keys()]
      .filter((candidate) => candidate !== path && candidate.startsWith(prefix))
      .map((candidate) => candidate.slice(prefix.length))
      .filter((name) => name !== "" && !name.includes("/"))
      .sort();
  }

  put(path: string, node: FakeNode): void {
    this.tree.set(path, node);
    const parent = this.tree.get(parentOf(path));
    if (parent) parent.cversion += 1;
  }

  remove(path: string): void {
    this.tree.delete(path);
    const parent = this.tree.get(parentOf(path));
    if (parent) parent.cversion += 1;
  }

  stat(path: string): NodeStat {
    const node = this.tree.get(path)!;
    return {
      czxid: node.czxid,
      mzxid: node.mzxid,
      pzxid: node.mzxid,
      ctime: 0,
      mtime: 0,
      version: node.version,
      cversion: node.cversion,
      aversion: node.aversion,
      ephemeralOwner: 0n,
      dataLength: node.data.length,
      numChildren: this.children(path).length,
    };
  }

  touched(): bigint {
    return this.nextZxid();
  }

  configText(): string {
    return this.committed ? formatEnsembleConfig(this.committed) : "";
  }
}

/** One admin session: the znode operations with ZooKeeper's ACL checks. */
class FakeSession implements ZnodeSession {
  private readonly ids: string[];
  private readonly isSuper: boolean;

  /** `superDigest`: that of the server the session is connected to, as ZooKeeper checks it. */
  constructor(
    private readonly zk: FakeZooKeeper,
    auth: readonly DigestAuth[],
    superDigest: string | undefined,
  ) {
    this.ids = auth.map((identity) => digestCredential(identity.username, identity.password));
    this.isSuper = superDigest !== undefined && this.ids.includes(superDigest);
  }

  private allowed(node: { acl: Acl[] }, perm: string): boolean {
    if (this.isSuper) return true;
    return node.acl.some(
      (entry) =>
        entry.perms.includes(perm) &&
        ((entry.scheme === "world" && entry.id === "anyone") ||
          (entry.scheme === "digest" && this.ids.includes(entry.id))),
    );
  }

  private need(path: string, op: string): ReturnType<FakeZooKeeper["node"]> & object {
    const node = this.zk.node(path);
    if (!node) throw errorFromCode(CODE.NO_NODE, { op, path });
    return node;
  }

  private check(path: string, op: string, perm: string): ReturnType<FakeZooKeeper["node"]> & object {
    const node = this.need(path, op);
    if (!this.allowed(node, perm)) throw errorFromCode(CODE.NO_AUTH, { op, path });
    return node;
  }

  async getConfig(): Promise<EnsembleConfig> {
    const config = this.zk.membership;
    if (!config) throw errorFromCode(CODE.CONNECTION_LOSS, { op: "getConfig" });
    return config;
  }

  async reconfig(options: Parameters<ZnodeSession["reconfig"]>[0]): Promise<EnsembleConfig> {
    const specs = (options.joining ?? []).map((spec) => {
      if (typeof spec === "string") throw new Error("the fake takes ServerSpec joiners only");
      return spec;
    });
    return this.zk.reconfigure(this.isSuper, {
      joining: specs,
      leaving: options.leaving ?? [],
      fromConfig: options.fromConfig,
    });
  }

  async exists(path: string): Promise<NodeStat | undefined> {
    return this.zk.node(path) ? this.zk.stat(path) : undefined;
  }

  async getData(path: string): Promise<NodeData> {
    const node = this.check(path, "getData", "r");
    return {
      data: Buffer.from(path === "/zookeeper/config" ? this.zk.configText() : node.data),
      stat: this.zk.stat(path),
    };
  }

  async setData(path: string, data: Buffer | string, options: { version?: number } = {}): Promise<NodeStat> {
    const node = this.check(path, "setData", "w");
    if (options.version !== undefined && options.version !== -1 && options.version !== node.version)
      throw errorFromCode(CODE.BAD_VERSION, { op: "setData", path });
    node.data = Buffer.from(data);
    node.version += 1;
    node.mzxid = this.zk.touched();
    return this.zk.stat(path);
  }

  async create(
    path: string,
    data?: Buffer | string,
    options: { acl?: readonly Acl[] } = {},
  ): Promise<string> {
    this.check(parentOf(path), "create", "c");
    if (this.zk.node(path)) throw errorFromCode(CODE.NODE_EXISTS, { op: "create", path });
    this.zk.put(path, this.zk.newNode(data ?? "", options.acl ?? OPEN_ACL));
    return path;
  }

  async ensurePath(path: string, options: { acl?: readonly Acl[] } = {}): Promise<void> {
    const parts = path.split("/").filter((part) => part !== "");
    let current = "";
    for (const part of parts) {
      current += `/${part}`;
      if (!this.zk.node(current)) await this.create(current, "", { acl: options.acl });
    }
  }

  async delete(path: string, options: { version?: number } = {}): Promise<void> {
    const node = this.need(path, "delete");
    this.check(parentOf(path), "delete", "d");
    if (options.version !== undefined && options.version !== -1 && options.version !== node.version)
      throw errorFromCode(CODE.BAD_VERSION, { op: "delete", path });
    if (this.zk.children(path).length > 0) throw errorFromCode(CODE.NOT_EMPTY, { op: "delete", path });
    this.zk.remove(path);
  }

  async getChildren(path: string): Promise<string[]> {
    this.check(path, "getChildren", "r");
    return this.zk.children(path);
  }

  async getACL(path: string): Promise<NodeAcl> {
    const node = this.need(path, "getACL");
    if (!this.allowed(node, "r") && !this.allowed(node, "a"))
      throw errorFromCode(CODE.NO_AUTH, { op: "getACL", path });
    return { acl: node.acl.map((entry) => ({ ...entry })), stat: this.zk.stat(path) };
  }

  async setACL(path: string, acl: readonly Acl[], options: { version?: number } = {}): Promise<NodeStat> {
    const node = this.check(path, "setACL", "a");
    if (options.version !== undefined && options.version !== -1 && options.version !== node.aversion)
      throw errorFromCode(CODE.BAD_VERSION, { op: "setACL", path });
    node.acl = [...acl];
    node.aversion += 1;
    return this.zk.stat(path);
  }

  async setACLRecursive(path: string, acl: readonly Acl[]): Promise<void> {
    await this.setACL(path, acl);
    for (const child of this.zk.children(path))
      await this.setACLRecursive(`${path === "/" ? "" : path}/${child}`, acl);
  }
}
