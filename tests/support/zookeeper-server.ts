/**
 * Real ZooKeeper 3.8 servers for tests: one JVM (QuorumPeerMain from Debian's `zookeeper` package) per
 * server, each on its own loopback address with the standard ports (several servers can share ports
 * on different 127.x.y.z addresses, notes §4), in a temp dir, configured like the charm configures
 * production: dynamic reconfig, no standalone mode, quorum SASL DIGEST-MD5, enforced client auth, a
 * digest super user, 4lw `srvr,mntr,ruok,conf` and the AdminServer bound to the server's address.
 *
 * Processes are tracked by PID and never outlive the test process: `cleanup()` (call it in afterAll)
 * kills what is left, an exit hook does the same, and each JVM is started under
 * `setpriv --pdeathsig KILL` so it dies with its parent even if the test process is SIGKILLed.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { createHash, randomBytes, randomInt } from "node:crypto";
import { closeSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { connect, createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

export const CLIENT_PORT = 2181;
export const QUORUM_PORT = 2888;
export const ELECTION_PORT = 3888;
export const ADMIN_PORT = 8080;

/**
 * The Debian jar's manifest Class-Path brings most dependencies. Added (notes §3.9, §4):
 * servlet-api for the AdminServer, and an SLF4J binding, without which the server logs nothing.
 * slf4j-simple is lighter than log4j and starts faster.
 */
const CLASSPATH = [
  "/usr/share/java/zookeeper.jar",
  "/usr/share/java/servlet-api.jar",
  "/usr/share/java/slf4j-simple.jar",
].join(":");

export interface ZooKeeperSecrets {
  /** Password of the digest `super` user (the charm's admin identity). */
  readonly superPassword: string;
  /** Password of the quorum SASL `sync` user. */
  readonly syncPassword: string;
  /** Password of the client SASL `app` user (JAAS `Server` section). */
  readonly appPassword: string;
}

export interface ZooKeeperServerOptions {
  readonly id: number;
  readonly ip: string;
  /** The initial dynamic config: `server.N=…` lines (for a joiner: committed config + itself as observer). */
  readonly dynamicConfig: readonly string[];
  readonly secrets: ZooKeeperSecrets;
  /** Parent directory for this server's directory. Default: a new temp dir. */
  readonly baseDir?: string;
  /** JVM max heap. Default 128 MB (the JVM default here would be 1/4 of RAM, notes §4). */
  readonly heapMb?: number;
  readonly tickTimeMs?: number;
  /** More zoo.cfg keys (override the defaults). */
  readonly extraConfig?: Readonly<Record<string, string>>;
}

export interface StartOptions {
  /** How long to wait for `ruok`. Default 30 s. */
  readonly readyTimeoutMs?: number;
}

/** `server.N=ip:2888:3888:role;ip:2181`. */
export function serverLine(id: number, ip: string, role: "participant" | "observer" = "participant"): string {
  return `server.${id}=${ip}:${QUORUM_PORT}:${ELECTION_PORT}:${role};${ip}:${CLIENT_PORT}`;
}

/** `user:base64(sha1(user:password))`, computed independently of lib/zookeeper. */
function superDigest(password: string): string {
  return `super:${createHash("sha1").update(`super:${password}`).digest("base64")}`;
}

const live = new Map<number, ChildProcess>();
let exitHookInstalled = false;

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on("exit", () => {
    for (const pid of live.keys()) {
      try {
        process.kill(pid, "SIGKILL");
      } catch {
        // already gone
      }
    }
  });
}

/** PIDs of JVMs started by this process that are still running. */
export function liveZooKeeperPids(): number[] {
  return [...live.keys()];
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** One 4lw exchange, for readiness polling (independent of lib/zookeeper on purpose). */
export function fourLetterWord(host: string, port: number, word: string, timeoutMs = 1000): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    const socket = connect({ host, port });
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`4lw ${word} ${host}:${port}: timed out`));
    }, timeoutMs);
    socket.on("connect", () => socket.end(word));
    socket.on("data", (c: Buffer) => chunks.push(c));
    socket.on("error", (e) => {
      clearTimeout(timer);
      reject(e);
    });
    socket.on("close", () => {
      clearTimeout(timer);
      resolve(Buffer.concat(chunks).toString("utf8"));
    });
  });
}

export class ZooKeeperServer {
  readonly id: number;
  readonly ip: string;
  readonly dir: string;
  readonly pid: number;
  /** `ip:2181` */
  readonly endpoint: string;
  /** Resolves when the JVM has exited. */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Milliseconds from spawn to the first `imok`. */
  readyAfterMs = 0;

  private readonly logPath: string;
  private exitInfo: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  private paused = false;

  private constructor(options: ZooKeeperServerOptions, dir: string, child: ChildProcess, logPath: string) {
    this.id = options.id;
    this.ip = options.ip;
    this.dir = dir;
    this.pid = child.pid ?? -1;
    this.logPath = logPath;
    this.endpoint = `${options.ip}:${CLIENT_PORT}`;
    this.exited = new Promise((resolve) => {
      child.once("exit", (code, signal) => {
        this.exitInfo = { code, signal };
        live.delete(this.pid);
        resolve(this.exitInfo);
      });
    });
  }

  /** Writes the server's files, starts the JVM and resolves once it answers `ruok`. */
  static async start(
    options: ZooKeeperServerOptions,
    startOptions: StartOptions = {},
  ): Promise<ZooKeeperServer> {
    installExitHook();
    const base = options.baseDir ?? mkdtempSync(join(tmpdir(), "zk-test-"));
    const dir = join(base, `server-${options.id}`);
    const dataDir = join(dir, "data");
    mkdirSync(dataDir, { recursive: true, mode: 0o700 });
    writeFileSync(join(dataDir, "myid"), `${options.id}\n`);
    writeFileSync(join(dir, "zoo.cfg.dynamic"), `${options.dynamicConfig.join("\n")}\n`);
    const { secrets } = options;
    const jaas = [
      "QuorumServer {",
      `  org.apache.zookeeper.server.auth.DigestLoginModule required user_sync="${secrets.syncPassword}";`,
      "};",
      "QuorumLearner {",
      `  org.apache.zookeeper.server.auth.DigestLoginModule required username="sync" password="${secrets.syncPassword}";`,
      "};",
      "Server {",
      `  org.apache.zookeeper.server.auth.DigestLoginModule required user_super="${secrets.superPassword}" user_app="${secrets.appPassword}";`,
      "};",
      "",
    ].join("\n");
    writeFileSync(join(dir, "jaas.conf"), jaas, { mode: 0o600 });
    const config: Record<string, string> = {
      tickTime: String(options.tickTimeMs ?? 2000),
      initLimit: "5",
      syncLimit: "2",
      dataDir,
      dynamicConfigFile: join(dir, "zoo.cfg.dynamic"),
      reconfigEnabled: "true",
      standaloneEnabled: "false",
      "4lw.commands.whitelist": "srvr,mntr,ruok,conf",
      "admin.enableServer": "true",
      "admin.serverAddress": options.ip,
      "admin.serverPort": String(ADMIN_PORT),
      "quorum.auth.enableSasl": "true",
      "quorum.auth.learnerRequireSasl": "true",
      "quorum.auth.serverRequireSasl": "true",
      "authProvider.sasl": "org.apache.zookeeper.server.auth.SASLAuthenticationProvider",
      "enforce.auth.enabled": "true",
      "enforce.auth.schemes": "sasl,digest",
      // Unknown zoo.cfg keys become `zookeeper.<key>` system properties (notes §3.1), so the secret
      // stays in a 0600 file instead of the JVM command line that `ps` shows.
      "DigestAuthenticationProvider.superDigest": superDigest(secrets.superPassword),
      ...options.extraConfig,
    };
    const zooCfg = `${Object.entries(config)
      .map(([k, v]) => `${k}=${v}`)
      .join("\n")}\n`;
    writeFileSync(join(dir, "zoo.cfg"), zooCfg, { mode: 0o600 });

    const logPath = join(dir, "zookeeper.log");
    const logFd = openSync(logPath, "a");
    const javaArgs = [
      `-Xmx${options.heapMb ?? 128}m`,
      "-Xms16m",
      "-XX:+UseSerialGC",
      "-XX:TieredStopAtLevel=1",
      `-Djava.security.auth.login.config=${join(dir, "jaas.conf")}`,
      `-Dzookeeper.log.dir=${dir}`,
      "-Dorg.slf4j.simpleLogger.showDateTime=true",
      "-Dorg.slf4j.simpleLogger.dateTimeFormat=HH:mm:ss.SSS",
      "-cp",
      CLASSPATH,
      "org.apache.zookeeper.server.quorum.QuorumPeerMain",
      join(dir, "zoo.cfg"),
    ];
    const spawnedAt = Date.now();
    // ZooKeeper rewrites zoo.cfg (which holds the super digest) at first boot and on every reconfig,
    // creating a new file with the process umask, so a umask is what keeps it private — as a
    // systemd unit's `UMask=` would. `exec` keeps one PID: sh → setpriv → java.
    const child = spawn(
      "sh",
      ["-c", 'umask 077 && exec setpriv --pdeathsig KILL -- java "$@"', "java", ...javaArgs],
      {
        cwd: dir,
        stdio: ["ignore", logFd, logFd],
      },
    );
    closeSync(logFd);
    if (child.pid === undefined) {
      throw new Error(`zookeeper test server ${options.id}: spawn failed`);
    }
    live.set(child.pid, child);
    const server = new ZooKeeperServer(options, dir, child, logPath);
    await server.waitFor(
      async () => (await fourLetterWord(options.ip, CLIENT_PORT, "ruok", 500)).trim() === "imok",
      startOptions.readyTimeoutMs ?? 30_000,
      "answer ruok",
    );
    server.readyAfterMs = Date.now() - spawnedAt;
    return server;
  }

  get running(): boolean {
    return this.exitInfo === undefined;
  }

  /** The JVM's command line, as `ps` shows it. */
  commandLine(): string {
    return readFileSync(`/proc/${this.pid}/cmdline`, "utf8").split("\0").join(" ");
  }

  log(): string {
    try {
      return readFileSync(this.logPath, "utf8");
    } catch {
      return "";
    }
  }

  logTail(lines = 40): string {
    return this.log().split("\n").slice(-lines).join("\n");
  }

  /** Polls `srvr` until it shows a Mode (serving), or fails with the log tail. */
  async waitForServing(timeoutMs = 30_000): Promise<string> {
    let mode = "";
    await this.waitFor(
      async () => {
        const text = await fourLetterWord(this.ip, CLIENT_PORT, "srvr", 500);
        mode = /^Mode: (\S+)/m.exec(text)?.[1] ?? "";
        return mode !== "";
      },
      timeoutMs,
      "serve requests",
    );
    return mode;
  }

  /** SIGTERM, then SIGKILL after `graceMs`. Resolves when the process is gone. */
  async stop(graceMs = 5_000): Promise<void> {
    if (!this.running) return;
    this.signal("SIGTERM");
    if (this.paused) this.resume();
    const result = await Promise.race([this.exited, sleep(graceMs).then(() => undefined)]);
    if (result === undefined) await this.kill();
  }

  /** SIGKILL. Resolves when the process is gone. */
  async kill(): Promise<void> {
    if (!this.running) return;
    this.signal("SIGKILL");
    await this.exited;
  }

  /** SIGSTOP: the process keeps its sockets open but answers nothing. */
  pause(): void {
    this.signal("SIGSTOP");
    this.paused = true;
  }

  /** SIGCONT */
  resume(): void {
    this.signal("SIGCONT");
    this.paused = false;
  }

  private signal(signal: NodeJS.Signals): void {
    if (!this.running) return;
    try {
      process.kill(this.pid, signal);
    } catch {
      // exited meanwhile
    }
  }

  private async waitFor(check: () => Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (!this.running) {
        throw new Error(
          `zookeeper test server ${this.id} (${this.ip}) exited (${JSON.stringify(this.exitInfo)}) before it would ${what}; log tail:\n${this.logTail()}`,
        );
      }
      try {
        if (await check()) return;
      } catch {
        // not listening yet
      }
      if (Date.now() > deadline) {
        await this.kill();
        throw new Error(
          `zookeeper test server ${this.id} (${this.ip}) did not ${what} within ${timeoutMs} ms; log tail:\n${this.logTail()}`,
        );
      }
      await sleep(50);
    }
  }
}

function portFree(ip: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once("error", () => resolve(false));
    server.listen(port, ip, () => server.close(() => resolve(true)));
  });
}

/**
 * A set of servers on a fresh random loopback /24 (127.<a>.<b>.N), with shared secrets and one temp
 * dir. Call `cleanup()` in afterAll.
 */
export class ZooKeeperTestCluster {
  readonly secrets: ZooKeeperSecrets;
  readonly baseDir: string;
  readonly servers = new Map<number, ZooKeeperServer>();
  private prefix = "";

  private constructor() {
    this.secrets = {
      superPassword: randomBytes(12).toString("base64url"),
      syncPassword: randomBytes(12).toString("base64url"),
      appPassword: randomBytes(12).toString("base64url"),
    };
    this.baseDir = mkdtempSync(join(tmpdir(), "zk-cluster-"));
  }

  /** Picks a random 127.a.b.0/24 whose client, quorum and election ports are free on the first hosts. */
  static async create(): Promise<ZooKeeperTestCluster> {
    const cluster = new ZooKeeperTestCluster();
    for (let attempt = 0; attempt < 20; attempt++) {
      const prefix = `127.${randomInt(1, 255)}.${randomInt(1, 255)}`;
      let free = true;
      for (const host of [1, 2, 3]) {
        for (const port of [CLIENT_PORT, QUORUM_PORT, ELECTION_PORT]) {
          if (!(await portFree(`${prefix}.${host}`, port))) free = false;
        }
      }
      if (free) {
        cluster.prefix = prefix;
        return cluster;
      }
    }
    throw new Error("no free loopback /24 found");
  }

  /** `127.a.b.<host>` */
  ip(host: number): string {
    return `${this.prefix}.${host}`;
  }

  /** The server line of server `id` on `ip(id)`. */
  line(id: number, role: "participant" | "observer" = "participant"): string {
    return serverLine(id, this.ip(id), role);
  }

  endpoint(id: number): string {
    return `${this.ip(id)}:${CLIENT_PORT}`;
  }

  /** Starts server `id` on `ip(id)` with the given initial dynamic config. */
  async start(
    id: number,
    dynamicConfig: readonly string[],
    options: Partial<Omit<ZooKeeperServerOptions, "id" | "ip" | "dynamicConfig" | "secrets">> &
      StartOptions = {},
  ): Promise<ZooKeeperServer> {
    const existing = this.servers.get(id);
    if (existing?.running) throw new Error(`server ${id} is already running`);
    const server = await ZooKeeperServer.start(
      { id, ip: this.ip(id), dynamicConfig, secrets: this.secrets, baseDir: this.baseDir, ...options },
      options,
    );
    this.servers.set(id, server);
    return server;
  }

  server(id: number): ZooKeeperServer {
    const server = this.servers.get(id);
    if (!server) throw new Error(`no server ${id}`);
    return server;
  }

  /** Kills every server still running and removes the temp dir. */
  async cleanup(): Promise<void> {
    await Promise.all([...this.servers.values()].map((s) => s.kill()));
    rmSync(this.baseDir, { recursive: true, force: true });
  }
}
