/**
 * The `Machine` port: the unit's own machine as the charm changes it — files (written atomically with
 * their owner and mode), the `zookeeper` package and the ZooKeeper service. `Host`
 * (src/workload/host.ts) is the real adapter; tests use an in-memory fake held to the same contract
 * (tests/ports/machine-contract.ts).
 */
import type { PathSpec } from "../workload/paths";

export interface Machine {
  read(path: string): string | undefined;
  exists(path: string): boolean;
  /** Creates a directory (and parents) with the owner and mode of `spec`. */
  ensureDirectory(spec: PathSpec): void;
  /** Writes `content` if it differs; always fixes owner and mode. Returns true if it wrote. */
  write(spec: PathSpec, content: string): boolean;
  /** True once ZooKeeper has run here: it has an id and a dynamic membership file of its own. */
  hasRunBefore(): boolean;
  /** Forgets every membership the server has seen (before a non-voter rejoins; see Host). */
  forgetMembership(): void;
  packageVersion(name: string): string | undefined;
  installPackages(names: readonly string[]): void;
  /** Holds the packages at their installed version (`apt-mark hold`): nothing else upgrades them. */
  holdPackages(names: readonly string[]): void;
  /** The versions of a package apt can install here (`apt-cache madison`), newest first. */
  availableVersions(name: string): string[];
  /** Fetches the package lists again (`apt-get update`; a source that cannot be reached is skipped). */
  refreshPackageLists(): void;
  /** Downloads exactly these versions without installing them (`apt-get install --download-only`). */
  downloadVersions(versions: ReadonlyMap<string, string>): void;
  /**
   * Installs exactly these versions (`apt-get install name=version`), held or not, up or down, and
   * holds them again.
   */
  installVersions(versions: ReadonlyMap<string, string>): void;
  daemonReload(): void;
  serviceActive(): boolean;
  /** The ZooKeeper service's main process (systemd's MainPID); undefined when none runs. */
  serviceMainPid(): number | undefined;
  /** Enables and starts the ZooKeeper service. */
  startService(): void;
  /** Disables and stops it. */
  stopService(): void;
  restartService(): void;
  /**
   * Keeps another service of the charm's enabled and running (the metrics service); `restart` to load
   * a changed unit file or program.
   */
  runService(name: string, restart: boolean): void;
  /** Disables and stops that service, if it is installed. */
  removeService(name: string): void;
}
