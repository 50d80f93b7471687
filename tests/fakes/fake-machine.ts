/**
 * An in-memory unit machine behind the `Machine` port: files with owner and mode, installed packages
 * and the ZooKeeper service, whose start runs a server of a FakeZooKeeper ensemble from the files the
 * charm wrote (myid, zoo.cfg and its dynamicConfigFile), as systemd would start the JVM. Like
 * ZooKeeper, the server persists each membership it learns as `zoo.cfg.dynamic.<version>` and points
 * zoo.cfg at it. The contract suite (tests/ports/machine-contract.ts) holds it to what Host does.
 */
import { parseEnsembleConfig } from "../../lib/zookeeper";
import { formatServers } from "../../lib/zookeeper/ensemble-config";
import type { Machine } from "../../src/ports/machine";
import {
  CONF_DIR,
  DATA_DIR,
  DATA_LOG_DIR,
  MYID_PATH,
  type PathSpec,
  ZOO_CFG_PATH,
} from "../../src/workload/paths";
import { parseZooCfg } from "../../src/workload/zoo-cfg";
import { compareDebianVersions, upstreamVersion } from "../../src/workload/zookeeper-versions";
import type { FakeZooKeeper } from "./fake-zookeeper";

export interface FakeFile {
  readonly content: string;
  readonly mode: number;
  readonly owner: string;
  readonly group: string;
}

export class FakeMachine implements Machine {
  readonly files = new Map<string, FakeFile>();
  readonly directories = new Map<string, PathSpec>();
  readonly packages = new Map<string, string>();
  /** Every service operation, in order (tests assert restarts on it). */
  readonly serviceLog: string[] = [];
  private enabled = false;
  private active = false;

  /**
   * @param address the unit's address: its ZooKeeper server listens there.
   * @param available packages apt can install here, with their versions.
   */
  constructor(
    readonly address: string,
    private readonly zookeeper: FakeZooKeeper,
    private readonly available: ReadonlyMap<string, string> = new Map([["zookeeper", "3.9.3-1"]]),
    /** Told of every service operation, for ordering across machines. */
    private readonly journal?: (operation: string) => void,
  ) {}

  read(path: string): string | undefined {
    return this.files.get(path)?.content;
  }

  exists(path: string): boolean {
    return this.files.has(path) || this.directories.has(path);
  }

  ensureDirectory(spec: PathSpec): void {
    this.directories.set(spec.path, spec);
  }

  write(spec: PathSpec, content: string): boolean {
    const current = this.files.get(spec.path);
    this.files.set(spec.path, { content, mode: spec.mode, owner: spec.owner, group: spec.group });
    return current?.content !== content;
  }

  hasRunBefore(): boolean {
    return this.files.has(MYID_PATH) && this.dynamicFiles().length > 0;
  }

  forgetMembership(): void {
    for (const path of this.dynamicFiles()) this.files.delete(path);
    this.files.delete(`${ZOO_CFG_PATH}.dynamic.next`);
    for (const directory of [DATA_DIR, DATA_LOG_DIR]) {
      for (const path of [...this.files.keys()])
        if (path.startsWith(`${directory}/version-2/`)) this.files.delete(path);
    }
  }

  packageVersion(name: string): string | undefined {
    return this.packages.get(name);
  }

  /** Packages held at their version (apt-mark hold). */
  readonly held = new Set<string>();

  holdPackages(names: readonly string[]): void {
    for (const name of names) this.held.add(name);
  }

  /** Package versions whose server exits at once when started (a broken build). */
  readonly brokenVersions = new Set<string>();

  /** Versions apt offers besides the candidate (`available`), by package: a newer package's repository. */
  readonly published = new Map<string, string[]>();

  availableVersions(name: string): string[] {
    const candidate = this.available.get(name);
    const versions = [...(this.published.get(name) ?? []), ...(candidate === undefined ? [] : [candidate])];
    return [...new Set(versions)].sort((a, b) => compareDebianVersions(b, a));
  }

  installPackages(names: readonly string[]): void {
    for (const name of names) {
      const version = this.available.get(name);
      if (version === undefined) throw new Error(`host: apt-get install ${name} failed: no such package`);
      this.packages.set(name, version);
    }
  }

  /** `apt-get update` calls. */
  listRefreshes = 0;

  refreshPackageLists(): void {
    this.listRefreshes += 1;
  }

  downloadVersions(versions: ReadonlyMap<string, string>): void {
    for (const [name, version] of versions) {
      if (!this.availableVersions(name).includes(version))
        throw new Error(
          `host: apt-get install ${name}=${version} failed: Version '${version}' for '${name}' was not found`,
        );
    }
  }

  /** Versions whose install fails in dpkg (a broken maintainer script, a full disk). */
  readonly failingInstalls = new Set<string>();

  installVersions(versions: ReadonlyMap<string, string>): void {
    for (const version of versions.values()) {
      if (this.failingInstalls.has(version))
        throw new Error(`host: apt-get install failed: dpkg returned an error code (1) for ${version}`);
    }
    for (const [name, version] of versions) {
      if (!this.availableVersions(name).includes(version))
        throw new Error(
          `host: apt-get install ${name}=${version} failed: Version '${version}' for '${name}' was not found`,
        );
    }
    for (const [name, version] of versions) this.packages.set(name, version);
    this.holdPackages([...versions.keys()]);
  }

  daemonReload(): void {
    this.record("daemon-reload");
  }

  serviceActive(): boolean {
    return this.active;
  }

  /** Each launch is a new process, as each start of the JVM is. */
  private launches = 0;

  serviceMainPid(): number | undefined {
    return this.active ? 1000 + this.launches : undefined;
  }

  startService(): void {
    this.record("start");
    this.enabled = true;
    if (!this.active) this.launch();
  }

  stopService(): void {
    this.record("stop");
    this.enabled = false;
    this.halt();
  }

  restartService(): void {
    this.record("restart");
    this.halt();
    this.launch();
  }

  /** The charm's other services (the metrics service), running or not. */
  readonly otherServices = new Map<string, { running: boolean; starts: number }>();

  runService(name: string, restart: boolean): void {
    const service = this.otherServices.get(name) ?? { running: false, starts: 0 };
    if (restart || !service.running) service.starts++;
    service.running = true;
    this.otherServices.set(name, service);
  }

  removeService(name: string): void {
    const service = this.otherServices.get(name);
    if (service) service.running = false;
  }

  /** Whether the service would start at boot. */
  get serviceEnabled(): boolean {
    return this.enabled;
  }

  /** The JVM died (as `kill -9` would leave it): not active until started again. */
  crash(): void {
    this.halt();
  }

  private record(operation: string): void {
    this.serviceLog.push(operation);
    this.journal?.(operation);
  }

  private dynamicFiles(): string[] {
    return [...this.files.keys()].filter((path) =>
      new RegExp(`^${CONF_DIR}/zoo\\.cfg\\.dynamic\\.[0-9a-f]+$`).test(path),
    );
  }

  private launch(): void {
    const zooCfg = this.read(ZOO_CFG_PATH);
    const myid = Number(this.read(MYID_PATH)?.trim());
    if (zooCfg === undefined || !Number.isInteger(myid))
      throw new Error("host: systemctl start zookeeper failed");
    const keys = parseZooCfg(zooCfg);
    const dynamicPath = keys.get("dynamicConfigFile");
    const dynamic = dynamicPath === undefined ? undefined : this.read(dynamicPath);
    if (dynamic === undefined) throw new Error("host: systemctl start zookeeper failed (no dynamic config)");
    // systemd starts the JVM, which exits at once: the service is not active afterwards.
    if (this.brokenVersions.has(this.packages.get("zookeeper") ?? "")) return;
    this.launches += 1;
    this.active = true;
    this.zookeeper.start(this.address, {
      id: myid,
      servers: parseEnsembleConfig(dynamic, { requireVersion: false }).servers,
      superDigest: keys.get("DigestAuthenticationProvider.superDigest"),
      version: `${upstreamVersion(this.packages.get("zookeeper") ?? "0")}--1, built on 01/01/2024 00:00 UTC`,
      persist: (config) => {
        // ZooKeeper writes the new membership to zoo.cfg.dynamic.<version> and points zoo.cfg at it.
        const path = `${ZOO_CFG_PATH}.dynamic.${config.version.toString(16)}`;
        const owner = this.files.get(ZOO_CFG_PATH)!;
        this.files.set(path, { ...owner, content: `${formatServers(config.servers)}` });
        const current = this.read(ZOO_CFG_PATH) ?? "";
        this.files.set(ZOO_CFG_PATH, {
          ...owner,
          content: current.replace(/^dynamicConfigFile=.*$/m, `dynamicConfigFile=${path}`),
        });
      },
    });
  }

  private halt(): void {
    if (!this.active) return;
    this.active = false;
    this.zookeeper.stop(this.address);
  }
}
