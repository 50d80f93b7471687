/**
 * The floor: bare ZooKeeper servers, started the way the charm starts them (its JVM flags, classpath,
 * zoo.cfg, JAAS and log4j files, rendered by the charm's own pure renderers with the paths moved to a
 * temp dir) but with no Juju and no charm in between. What they need to start, serve, reconfig and
 * elect a leader is the least any charm could take; each charm figure is reported against it.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { createHash, randomBytes, randomInt } from "node:crypto";
import { closeSync, mkdirSync, mkdtempSync, openSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { probeSrvr, type SrvrReport, ZooKeeperManager } from "../lib/zookeeper";
import {
  CONF_DIR,
  DATA_ROOT,
  JAVA_PATH,
  jvmFlags,
  LOG_DIR,
  renderJaas,
  renderLog4jProperties,
  renderZooCfg,
  serverClasspath,
} from "../src/workload";
import { elapsedSince, now, sleep } from "./stats";

export const HEAP_MB = 256;
const MAIN_CLASS = "org.apache.zookeeper.server.quorum.QuorumPeerMain";

export type Role = "participant" | "observer";

/** A JVM that dies with the bench process even if it is SIGKILLed (setpriv --pdeathsig). */
class FloorServer {
  private exitedAt: number | undefined;
  readonly exited: Promise<void>;

  constructor(
    readonly id: number,
    readonly ip: string,
    private readonly child: ChildProcess,
  ) {
    this.exited = new Promise((resolve) => {
      child.once("exit", () => {
        this.exitedAt = now();
        resolve();
      });
    });
  }

  get running(): boolean {
    return this.exitedAt === undefined;
  }

  get endpoint(): string {
    return `${this.ip}:2181`;
  }

  /** SIGTERM, as `systemctl stop` sends; resolves when the JVM is gone. */
  async stop(): Promise<void> {
    if (!this.running) return;
    this.child.kill("SIGTERM");
    const killed = setTimeout(() => this.child.kill("SIGKILL"), 10_000);
    await this.exited;
    clearTimeout(killed);
  }
}

function portsFree(ip: string): Promise<boolean> {
  return Promise.all(
    [2181, 2888, 3888, 8080].map(
      (port) =>
        new Promise<boolean>((resolve) => {
          const server = createServer();
          server.once("error", () => resolve(false));
          server.listen(port, ip, () => server.close(() => resolve(true)));
        }),
    ),
  ).then((all) => all.every(Boolean));
}

/** Servers 1..n on a random loopback /24, sharing one set of passwords and one temp dir. */
export class FloorEnsemble {
  private readonly servers = new Map<number, FloorServer>();
  /** Each server's JVM argv, for restarts with the files ZooKeeper has rewritten since. */
  private readonly argvs = new Map<number, string[]>();
  private readonly superPassword = randomBytes(16).toString("hex");
  private readonly syncPassword = randomBytes(16).toString("hex");
  private admin: ZooKeeperManager | undefined;

  private constructor(
    private readonly prefix: string,
    private readonly baseDir: string,
  ) {}

  static async create(): Promise<FloorEnsemble> {
    for (let attempt = 0; attempt < 20; attempt += 1) {
      const prefix = `127.${randomInt(2, 250)}.${randomInt(0, 256)}`;
      const free = await Promise.all([1, 2, 3, 4, 5].map((host) => portsFree(`${prefix}.${host}`)));
      if (free.every(Boolean)) return new FloorEnsemble(prefix, mkdtempSync(join(tmpdir(), "zk-floor-")));
    }
    throw new Error("floor: no free loopback /24");
  }

  ip(id: number): string {
    return `${this.prefix}.${id}`;
  }

  line(id: number, role: Role): string {
    return `server.${id}=${this.ip(id)}:2888:3888:${role};${this.ip(id)}:2181`;
  }

  endpoints(ids: readonly number[]): string[] {
    return ids.map((id) => `${this.ip(id)}:2181`);
  }

  get credentials(): { username: string; password: string } {
    return { username: "super", password: this.superPassword };
  }

  /**
   * Writes server `id`'s files (fresh data dir) and spawns its JVM with `dynamic` as its initial
   * membership; returns at once.
   */
  spawn(id: number, dynamic: readonly string[]): FloorServer {
    if (this.servers.get(id)?.running) throw new Error(`floor: server ${id} is running`);
    const dir = join(this.baseDir, `server-${id}`);
    rmSync(dir, { recursive: true, force: true });
    const moved = (text: string) =>
      text
        .replaceAll(CONF_DIR, join(dir, "conf"))
        .replaceAll(DATA_ROOT, join(dir, "data-root"))
        .replaceAll(LOG_DIR, join(dir, "log"));
    for (const sub of ["conf", "data-root/data", "data-root/data-log", "log"])
      mkdirSync(join(dir, sub), { recursive: true });
    writeFileSync(join(dir, "data-root/data/myid"), `${id}\n`);
    writeFileSync(join(dir, "conf/zoo.cfg.dynamic"), `${dynamic.join("\n")}\n`);
    const digest = createHash("sha1").update(`super:${this.superPassword}`).digest("base64");
    writeFileSync(
      join(dir, "conf/zoo.cfg"),
      moved(
        renderZooCfg({
          tickTime: 2000,
          initLimit: 5,
          syncLimit: 2,
          autopurgeSnapRetainCount: 3,
          autopurgePurgeInterval: 1,
          superDigest: digest,
        }),
      ),
    );
    const sync = { username: "sync", password: this.syncPassword };
    writeFileSync(
      join(dir, "conf/jaas.conf"),
      renderJaas({
        quorumServerUsers: [sync],
        quorumLearner: sync,
        serverUsers: [{ username: "super", password: this.superPassword }],
      }),
    );
    writeFileSync(join(dir, "conf/log4j.properties"), moved(renderLog4jProperties({ level: "INFO" })));
    const argv = [
      ...jvmFlags({ heapMb: HEAP_MB }).map(moved),
      "-cp",
      serverClasspath().join(":"),
      MAIN_CLASS,
      join(dir, "conf/zoo.cfg"),
    ];
    this.argvs.set(id, argv);
    return this.launch(id);
  }

  private launch(id: number): FloorServer {
    if (this.servers.get(id)?.running) throw new Error(`floor: server ${id} is running`);
    const dir = join(this.baseDir, `server-${id}`);
    const out = openSync(join(dir, "log/stdout.log"), "a");
    const child = spawn(
      "sh",
      [
        "-c",
        `umask 027 && exec setpriv --pdeathsig KILL -- ${JAVA_PATH} "$@"`,
        "java",
        ...this.argvs.get(id)!,
      ],
      { cwd: join(dir, "log"), stdio: ["ignore", out, out] },
    );
    closeSync(out);
    const server = new FloorServer(id, this.ip(id), child);
    this.servers.set(id, server);
    return server;
  }

  /** Starts a stopped server again on its own files; returns spawn-to-serving in ms. */
  async relaunch(id: number): Promise<number> {
    const started = now();
    this.launch(id);
    await this.untilServing(id);
    return elapsedSince(started);
  }

  /** Polls srvr every 10 ms until the server serves (prints a Mode); returns the report. */
  async untilServing(id: number, timeoutMs = 60_000): Promise<SrvrReport> {
    const deadline = now() + timeoutMs;
    for (;;) {
      const server = this.server(id);
      if (!server.running) throw new Error(`floor: server ${id} exited before serving`);
      const report = await probeSrvr(server.endpoint, { timeoutMs: 500 }).catch(() => undefined);
      if (report?.serving && report.mode !== undefined) return report;
      if (now() > deadline) throw new Error(`floor: server ${id} not serving after ${timeoutMs} ms`);
      await sleep(10);
    }
  }

  /** Spawns server `id` and waits until it serves; returns spawn-to-serving in ms. */
  async start(id: number, dynamic: readonly string[]): Promise<number> {
    const started = now();
    this.spawn(id, dynamic);
    await this.untilServing(id);
    return elapsedSince(started);
  }

  server(id: number): FloorServer {
    const server = this.servers.get(id);
    if (!server) throw new Error(`floor: no server ${id}`);
    return server;
  }

  running(): number[] {
    return [...this.servers.values()].filter((server) => server.running).map((server) => server.id);
  }

  /** An admin session on the given servers (reused while it stays connected). */
  async session(ids: readonly number[]): Promise<ZooKeeperManager> {
    if (this.admin?.isConnected) return this.admin;
    await this.admin?.close();
    this.admin = await ZooKeeperManager.connect({
      hosts: this.endpoints(ids),
      auth: this.credentials,
      connectTimeoutMs: 20_000,
      requestTimeoutMs: 20_000,
    });
    return this.admin;
  }

  /** One reconfig call through a session on `via`; returns its duration in ms. */
  async reconfig(
    via: readonly number[],
    change: { joining?: string[]; leaving?: number[] },
  ): Promise<number> {
    const zk = await this.session(via);
    const started = now();
    await zk.reconfig(change);
    return elapsedSince(started);
  }

  /** The id of the server that is leader now (srvr), if any. */
  async leader(ids: readonly number[] = this.running()): Promise<number | undefined> {
    for (const id of ids) {
      const report = await probeSrvr(this.server(id).endpoint, { timeoutMs: 500 }).catch(() => undefined);
      if (report?.mode === "leader") return id;
    }
    return undefined;
  }

  /** Polls srvr on `ids` every 10 ms until one of them leads and serves; returns when. */
  async untilLeader(ids: readonly number[], timeoutMs = 60_000): Promise<number> {
    const deadline = now() + timeoutMs;
    for (;;) {
      const reports = await Promise.all(
        ids.map((id) => probeSrvr(this.server(id).endpoint, { timeoutMs: 500 }).catch(() => undefined)),
      );
      if (reports.some((report) => report?.mode === "leader")) return now();
      if (now() > deadline) throw new Error("floor: no leader elected");
      await sleep(10);
    }
  }

  /** Stops every server and removes the temp dir. */
  async destroy(): Promise<void> {
    await this.admin?.close().catch(() => {});
    this.admin = undefined;
    await Promise.all([...this.servers.values()].map((server) => server.stop()));
    rmSync(this.baseDir, { recursive: true, force: true });
  }
}
