/**
 * The real `Machine` adapter (src/ports/machine.ts): the only charm code that touches files, packages
 * and the service manager.
 * Writes are atomic (temp file + rename) with the owner and mode of their PathSpec, and report
 * whether anything changed so callers can decide on restarts.
 */
import { spawnSync } from "node:child_process";
import {
  chmodSync,
  chownSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { dirname } from "node:path";
import type { Machine } from "../ports/machine";
import { CONF_DIR, DATA_DIR, DATA_LOG_DIR, MYID_PATH, type PathSpec, SERVICE_NAME } from "./paths";

export class HostError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(`host: ${message}`, options);
    this.name = "HostError";
  }
}

interface Ids {
  readonly uid: number;
  readonly gid: number;
}

function run(
  command: string,
  args: readonly string[],
  env?: NodeJS.ProcessEnv,
): { code: number; stdout: string; stderr: string } {
  const result = spawnSync(command, args as string[], { encoding: "utf8", env: env ?? process.env });
  if (result.error) return { code: 127, stdout: "", stderr: result.error.message };
  return { code: result.status ?? 1, stdout: result.stdout, stderr: result.stderr };
}

export class Host implements Machine {
  private readonly ids = new Map<string, Ids>();

  private idsOf(spec: PathSpec): Ids {
    const key = `${spec.owner}:${spec.group}`;
    let ids = this.ids.get(key);
    if (!ids) {
      const passwd = readEntry("/etc/passwd", spec.owner)?.split(":");
      const group = readEntry("/etc/group", spec.group)?.split(":");
      if (!passwd || !group) throw new HostError(`user ${spec.owner} or group ${spec.group} does not exist`);
      ids = { uid: Number(passwd[2]), gid: Number(group[2]) };
      this.ids.set(key, ids);
    }
    return ids;
  }

  read(path: string): string | undefined {
    try {
      return readFileSync(path, "utf8");
    } catch {
      return undefined;
    }
  }

  exists(path: string): boolean {
    return existsSync(path);
  }

  /** Creates a directory (and parents) and sets its owner and mode. */
  ensureDirectory(spec: PathSpec): void {
    mkdirSync(spec.path, { recursive: true });
    const { uid, gid } = this.idsOf(spec);
    chownSync(spec.path, uid, gid);
    chmodSync(spec.path, spec.mode);
  }

  /** Writes `content` if it differs from the file; always fixes owner and mode. Returns true if written. */
  write(spec: PathSpec, content: string): boolean {
    const { uid, gid } = this.idsOf(spec);
    const current = this.read(spec.path);
    if (current === content) {
      chownSync(spec.path, uid, gid);
      chmodSync(spec.path, spec.mode);
      return false;
    }
    mkdirSync(dirname(spec.path), { recursive: true });
    const temp = `${spec.path}.charm-tmp`;
    // Created with the final mode so a secret is never readable by others, not even briefly.
    writeFileSync(temp, content, { mode: spec.mode });
    chownSync(temp, uid, gid);
    chmodSync(temp, spec.mode);
    renameSync(temp, spec.path);
    return true;
  }

  /** True once ZooKeeper has run here: it has an id and a dynamic membership file of its own. */
  hasRunBefore(): boolean {
    if (!existsSync(MYID_PATH)) return false;
    try {
      return readdirSync(CONF_DIR).some((name) => /^zoo\.cfg\.dynamic\.[0-9a-f]+$/.test(name));
    } catch {
      return false;
    }
  }

  /**
   * Before a non-voter rejoins: forgets every membership its server has seen — the versioned dynamic
   * files, `zoo.cfg.dynamic.next` (the last configuration it saw proposed) and the snapshots and
   * transaction log holding the reconfigs it replayed — so it starts from the membership the charm
   * writes, as a new joiner does, instead of from one that leaves it out. Only a server that is not a
   * committed voter is ever reset: the voters hold every committed transaction, and it syncs them
   * back from the leader.
   */
  forgetMembership(): void {
    for (const name of readdirSync(CONF_DIR)) {
      if (/^zoo\.cfg\.dynamic\.([0-9a-f]+|next)$/.test(name)) rmSync(`${CONF_DIR}/${name}`, { force: true });
    }
    for (const directory of [DATA_DIR, DATA_LOG_DIR]) {
      rmSync(`${directory}/version-2`, { recursive: true, force: true });
    }
  }

  // --- packages ------------------------------------------------------------------------------

  packageVersion(name: string): string | undefined {
    // dpkg-query's own format syntax, not a template string.
    const format = ["-f=$", "{Status} $", "{Version}"].join("");
    const result = run("dpkg-query", ["-W", format, name]);
    // `hold ok installed` once apt-mark holds it.
    const match = /(?:install|hold) ok installed (\S+)/.exec(result.stdout);
    return match?.[1];
  }

  holdPackages(names: readonly string[]): void {
    // As apt-get: wait for a first-boot job's dpkg lock rather than fail.
    const result = run("apt-mark", ["-o", "DPkg::Lock::Timeout=600", "hold", ...names]);
    if (result.code !== 0)
      throw new HostError(`apt-mark hold ${names.join(" ")} failed: ${result.stderr.trim().slice(-500)}`);
  }

  availableVersions(name: string): string[] {
    // `zookeeper | 3.8.0-11+deb12u2 | http://deb.debian.org/debian bookworm/main amd64 Packages`
    const result = run("apt-cache", ["madison", name]);
    const versions = result.stdout
      .split("\n")
      .map((line) => line.split("|").map((field) => field.trim()))
      .filter((fields) => fields[0] === name && fields[1])
      .map((fields) => fields[1]!);
    return [...new Set(versions)];
  }

  installPackages(names: readonly string[]): void {
    this.aptInstall(names, []);
  }

  refreshPackageLists(): void {
    run("apt-get", ["-o", "DPkg::Lock::Timeout=600", "update", "-q"], {
      ...process.env,
      DEBIAN_FRONTEND: "noninteractive",
    });
  }

  downloadVersions(versions: ReadonlyMap<string, string>): void {
    this.aptInstall(exactly(versions), ["--download-only", ...CHANGE_HELD]);
  }

  installVersions(versions: ReadonlyMap<string, string>): void {
    // The charm's own files live elsewhere (/etc/zookeeper/charm): keep the package's conffiles as
    // they are rather than ask.
    const keepConffiles = ["-o", "Dpkg::Options::=--force-confdef", "-o", "Dpkg::Options::=--force-confold"];
    this.aptInstall(exactly(versions), [...CHANGE_HELD, ...keepConffiles]);
    this.holdPackages([...versions.keys()]);
  }

  private aptInstall(packages: readonly string[], options: readonly string[]): void {
    const env = { ...process.env, DEBIAN_FRONTEND: "noninteractive" };
    // First-boot jobs (cloud-init, unattended-upgrades) may hold the dpkg lock when the first hook
    // runs: wait for it (apt >= 1.9.11) instead of failing the hook.
    const lock = ["-o", "DPkg::Lock::Timeout=600"];
    const install = ["install", "-y", "-q", "--no-install-recommends", ...options, ...packages];
    let result = run("apt-get", [...lock, ...install], env);
    if (result.code !== 0) {
      run("apt-get", [...lock, "update", "-q"], env);
      result = run("apt-get", [...lock, ...install], env);
    }
    if (result.code !== 0)
      throw new HostError(
        `apt-get install ${packages.join(" ")} failed: ${result.stderr.trim().slice(-500)}`,
      );
  }

  // --- the service -----------------------------------------------------------------------------

  private systemctl(...args: string[]): { code: number; stdout: string; stderr: string } {
    return run("systemctl", args);
  }

  private systemctlOrThrow(...args: string[]): void {
    const result = this.systemctl(...args);
    if (result.code !== 0)
      throw new HostError(
        `systemctl ${args.join(" ")} failed: ${result.stderr.trim() || `exit ${result.code}`}`,
      );
  }

  daemonReload(): void {
    this.systemctlOrThrow("daemon-reload");
  }

  serviceActive(): boolean {
    return this.systemctl("is-active", "--quiet", SERVICE_NAME).code === 0;
  }

  serviceMainPid(): number | undefined {
    const result = this.systemctl("show", "-p", "MainPID", "--value", SERVICE_NAME);
    const pid = Number(result.stdout.trim());
    return result.code === 0 && Number.isInteger(pid) && pid > 0 ? pid : undefined;
  }

  startService(): void {
    this.systemctlOrThrow("enable", "--now", SERVICE_NAME);
  }

  stopService(): void {
    this.systemctlOrThrow("disable", "--now", SERVICE_NAME);
  }

  restartService(): void {
    this.systemctlOrThrow("restart", SERVICE_NAME);
  }

  runService(name: string, restart: boolean): void {
    if (restart) {
      this.systemctlOrThrow("daemon-reload");
      this.systemctlOrThrow("enable", name);
      this.systemctlOrThrow("restart", name);
    } else {
      this.systemctlOrThrow("enable", "--now", name);
    }
  }

  removeService(name: string): void {
    if (!this.exists(`/etc/systemd/system/${name}.service`)) return;
    this.systemctlOrThrow("disable", "--now", name);
  }
}

/** Held packages may change, in either direction, when the charm names their versions. */
const CHANGE_HELD = ["--allow-change-held-packages", "--allow-downgrades"];

function exactly(versions: ReadonlyMap<string, string>): string[] {
  return [...versions].map(([name, version]) => `${name}=${version}`);
}

function readEntry(file: string, name: string): string | undefined {
  try {
    return readFileSync(file, "utf8")
      .split("\n")
      .find((line) => line.startsWith(`${name}:`));
  } catch {
    return undefined;
  }
}
