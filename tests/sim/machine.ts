/**
 * One emulated machine: a private mount namespace (and hostname) kept alive by a holder process.
 * /etc, /var, /usr, /opt, /srv, /root and /home are overlays whose writes land in the machine's own
 * directory; /tmp and /run are fresh tmpfs; /var/lib/juju is bound to the controller's agent files;
 * /usr/bin/systemctl is the emulator's service manager client. /usr/bin/juju-exec (to jujuc) reaches
 * the unit agents as Juju's does. Processes join it with nsenter, so
 * a charm writes /etc/zookeeper/... and starts services exactly as on a real machine.
 * Needs root (mount namespaces). By default machines share the emulator's network namespace, each
 * with its own 127.x.y.z; with `ownNetwork` each has a network namespace of its own (network.ts plugs
 * its eth0 into the model's bridge) and reaches the hook-tool server through a socket file bound at
 * /var/lib/juju/agent.socket, since abstract sockets do not cross network namespaces.
 */
import { type ChildProcess, execFile, type StdioOptions, spawn } from "node:child_process";
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import { HOOK_RUSAGE_PATH, type ProcessUsage, parseUsageReport } from "./hook-meter";

const run = promisify(execFile);

/** Where the machine sees its own host directory. */
const MACHINE_DIR = "/var/lib/juju-sim-machine";
const OVERLAID = ["etc", "var", "usr", "opt", "srv", "root", "home"];

/** What a command run in a machine exited with and printed. */
export interface ExecResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

export interface MachineOptions {
  readonly id: string;
  readonly address: string;
  /** Host directory holding this machine's layers (upper/, work/, juju/, journal/). */
  readonly dir: string;
  /** Host path of the jujuc binary, bound over /usr/bin/systemctl. */
  readonly jujuc: string;
  readonly hostname: string;
  /**
   * A root filesystem to build the machine on (tests/sim/machine-image.ts): its /etc, /var, /usr, …
   * replace the host's as the overlays' lower layers, so the machine starts as a fresh install.
   * Default: this host's own directories.
   */
  readonly image?: string;
  /** A network namespace of the machine's own (empty until network.ts plugs it in). */
  readonly ownNetwork?: boolean;
  /** Host path of the hook-tool server's socket, bound at AGENT_SOCKET inside the machine. */
  readonly agentSocket?: string;
}

/** Where a machine with its own network finds the hook-tool server's socket. */
export const AGENT_SOCKET = "/var/lib/juju/agent.socket";
const JUJU_EXEC_TARGET = "/var/lib/juju/tools/jujuc";

export interface SpawnOptions {
  readonly env: NodeJS.ProcessEnv;
  /** Working directory inside the machine. */
  readonly cwd?: string;
  readonly user?: string;
  readonly group?: string;
  readonly openFiles?: number;
  /** File-mode creation mask for the process (systemd's UMask=). */
  readonly umask?: string;
  readonly stdio?: StdioOptions;
  /** Start in a new process group, so the group can be signalled as systemd signals a cgroup. */
  readonly detached?: boolean;
}

function hardOpenFilesLimit(): number {
  const line = readFileSync("/proc/self/limits", "utf8")
    .split("\n")
    .find((entry) => entry.startsWith("Max open files"));
  const hard = line?.trim().split(/\s+/)[4];
  return hard === undefined || hard === "unlimited" ? Number.MAX_SAFE_INTEGER : Number(hard);
}

function shellQuote(value: string): string {
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

export class MachineHost {
  private constructor(
    readonly id: string,
    readonly address: string,
    readonly dir: string,
    private readonly holder: ChildProcess,
    readonly mountNamespace: string,
    readonly ownNetwork: boolean,
  ) {}

  /** Host directory that backs /var/lib/juju on this machine. */
  get jujuDir(): string {
    return join(this.dir, "juju");
  }

  get journalDir(): string {
    return join(this.dir, "journal");
  }

  get holderPid(): number {
    return this.holder.pid!;
  }

  static async create(options: MachineOptions): Promise<MachineHost> {
    const { dir } = options;
    for (const name of OVERLAID) {
      mkdirSync(join(dir, "upper", name), { recursive: true });
      mkdirSync(join(dir, "work", name), { recursive: true });
    }
    mkdirSync(join(dir, "juju"), { recursive: true });
    mkdirSync(join(dir, "journal"), { recursive: true });
    // As jujud links it on every machine: /usr/bin/juju-exec → the agent's tools (jujuc here).
    mkdirSync(join(dir, "upper", "usr", "bin"), { recursive: true });
    symlinkSync(JUJU_EXEC_TARGET, join(dir, "upper", "usr", "bin", "juju-exec"));
    const lower = (name: string) => (options.image ? join(options.image, name) : `/${name}`);
    if (options.image) {
      // The machine resolves names as the host does (a cloud machine gets its resolver from DHCP).
      copyFileSync("/etc/resolv.conf", join(dir, "upper", "etc", "resolv.conf"));
      if (!existsSync(join(options.image, "usr", "bin", "systemctl"))) {
        // Something for the emulator's systemctl to be bound over.
        mkdirSync(join(dir, "upper", "usr", "bin"), { recursive: true });
        writeFileSync(join(dir, "upper", "usr", "bin", "systemctl"), "");
      }
    }
    // /var last: an image kept under the host's /var must still be reachable for the other layers.
    const order = [...OVERLAID.filter((name) => name !== "var"), "var"];
    const overlays = order.map(
      (name) =>
        `mount -t overlay overlay -o lowerdir=${shellQuote(lower(name))},upperdir=${shellQuote(join(dir, "upper", name))},workdir=${shellQuote(join(dir, "work", name))} /${name}`,
    );
    const script = [
      "set -e",
      ...overlays,
      "mkdir -p /var/lib/juju",
      `mount --bind ${shellQuote(join(dir, "juju"))} /var/lib/juju`,
      `mount --bind ${shellQuote(options.jujuc)} /usr/bin/systemctl`,
      ...(options.agentSocket
        ? [`touch ${AGENT_SOCKET}`, `mount --bind ${shellQuote(options.agentSocket)} ${AGENT_SOCKET}`]
        : []),
      // The machine's own directory stays reachable after /tmp is hidden, for storage attachments.
      `mkdir -p ${MACHINE_DIR} && mount --bind ${shellQuote(dir)} ${MACHINE_DIR}`,
      // sysfs shows the network namespace of whoever mounted it: the machine's own interfaces.
      ...(options.ownNetwork ? ["mount -t sysfs sysfs /sys"] : []),
      "mount -t tmpfs -o mode=1777 tmpfs /tmp",
      "mount -t tmpfs -o mode=755 tmpfs /run",
      "mkdir -p /run/lock && chmod 1777 /run/lock",
      `hostname ${shellQuote(options.hostname)}`,
      `echo ${shellQuote(options.hostname)} > /etc/hostname`,
      "echo ready",
      "exec sleep infinity",
    ].join("\n");
    const namespaces = ["--mount", "--uts", ...(options.ownNetwork ? ["--net"] : [])];
    const holder = spawn("unshare", [...namespaces, "--propagation", "private", "sh", "-c", script], {
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stderr = "";
    holder.stderr!.on("data", (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    await new Promise<void>((resolve, reject) => {
      holder.once("error", reject);
      holder.once("exit", (code) =>
        reject(new Error(`machine ${options.id} did not start (exit ${code}): ${stderr.trim()}`)),
      );
      holder.stdout!.on("data", (chunk: Buffer) => {
        if (chunk.toString().includes("ready")) resolve();
      });
    });
    holder.removeAllListeners("exit");
    const mountNamespace = readlinkSync(`/proc/${holder.pid}/ns/mnt`);
    return new MachineHost(
      options.id,
      options.address,
      dir,
      holder,
      mountNamespace,
      options.ownNetwork === true,
    );
  }

  /** The host path through which the controller reads or writes `path` as the machine sees it. */
  path(path: string): string {
    return join(`/proc/${this.holderPid}/root`, path);
  }

  /** True when process `pid` lives in this machine's mount namespace. */
  owns(pid: number): boolean {
    try {
      return readlinkSync(`/proc/${pid}/ns/mnt`) === this.mountNamespace;
    } catch {
      return false;
    }
  }

  /** The argv that runs `command` inside the machine (as `user`, with a file limit, in `cwd`). */
  commandLine(command: readonly string[], options: Omit<SpawnOptions, "env" | "stdio"> = {}): string[] {
    // nsenter resolves --wd before entering the namespace, so change directory from inside it.
    const argv = [
      "nsenter",
      "-t",
      String(this.holderPid),
      "-m",
      "-u",
      ...(this.ownNetwork ? ["-n"] : []),
      "--",
      "env",
      `--chdir=${options.cwd ?? "/"}`,
    ];
    if (options.openFiles !== undefined) {
      // This sandbox may not raise the hard limit (no CAP_SYS_RESOURCE); clamp to it rather than fail.
      const limit = Math.min(options.openFiles, hardOpenFilesLimit());
      argv.push("prlimit", `--nofile=${limit}:${limit}`, "--");
    }
    if (options.umask !== undefined) {
      argv.push("sh", "-c", `umask ${options.umask} && exec "$@"`, "sh");
    }
    if (options.user !== undefined) {
      argv.push(
        "setpriv",
        `--reuid=${options.user}`,
        `--regid=${options.group ?? options.user}`,
        "--init-groups",
        "--",
      );
    }
    return [...argv, ...command];
  }

  spawn(command: readonly string[], options: SpawnOptions): ChildProcess {
    const [program, ...args] = this.commandLine(command, options);
    return spawn(program!, args, {
      env: options.env,
      stdio: options.stdio ?? "pipe",
      detached: options.detached,
    });
  }

  /**
   * Runs `command` in the machine and collects its output (as the unit agent runs a hook, an action
   * or `juju exec`). With `measure`, the command runs under the hook-rusage meter, which reports on
   * an extra pipe (fd 3) that the command itself never sees; with `timeoutMs`, the command's process
   * group is killed when it passes (`cancelled`).
   */
  run(
    command: string[],
    env: NodeJS.ProcessEnv,
    cwd: string,
    onLine?: (level: string, line: string) => void,
    measure = false,
    timeoutMs = 0,
  ): Promise<ExecResult & { usage?: ProcessUsage; cancelled?: boolean }> {
    return new Promise((resolveRun) => {
      const child = this.spawn(measure ? [HOOK_RUSAGE_PATH, ...command] : command, {
        env,
        cwd,
        stdio: measure ? ["ignore", "pipe", "pipe", "pipe"] : ["ignore", "pipe", "pipe"],
        // Its own process group, so a timeout kills the command and everything it started.
        detached: timeoutMs > 0,
      });
      let cancelled = false;
      const deadline =
        timeoutMs > 0
          ? setTimeout(() => {
              cancelled = true;
              try {
                process.kill(-child.pid!, "SIGKILL");
              } catch {
                // Already gone.
              }
            }, timeoutMs)
          : undefined;
      let report = "";
      (child.stdio[3] as NodeJS.ReadableStream | null | undefined)?.on("data", (chunk: Buffer) => {
        report += chunk.toString();
      });
      let stdout = "";
      let stderr = "";
      child.stdout!.on("data", (chunk: Buffer) => {
        stdout += chunk.toString();
      });
      child.stderr!.on("data", (chunk: Buffer) => {
        stderr += chunk.toString();
      });
      child.on("error", (error) => {
        stderr += String(error);
      });
      child.on("close", (code, signal) => {
        clearTimeout(deadline);
        if (onLine) {
          for (const line of stdout.split("\n").filter((l) => l !== "")) onLine("DEBUG", line);
          for (const line of stderr.split("\n").filter((l) => l !== "")) onLine("WARNING", line);
        }
        const measured = measure ? parseUsageReport(report) : undefined;
        resolveRun({
          code: code ?? (signal ? 128 : 1),
          stdout,
          stderr,
          usage: measured?.usage,
          ...(cancelled ? { cancelled } : {}),
        });
      });
    });
  }

  /** Runs a short shell command inside the machine as root. */
  async sh(script: string): Promise<string> {
    const [program, ...args] = this.commandLine(["sh", "-c", script]);
    const { stdout } = await run(program!, args);
    return stdout;
  }

  /**
   * Mounts `<machine dir>/<relativeDir>` at `location` inside the machine (how Juju attaches
   * filesystem storage); returns the backing host directory.
   */
  async attach(relativeDir: string, location: string): Promise<string> {
    const hostDir = join(this.dir, relativeDir);
    mkdirSync(hostDir, { recursive: true });
    const inside = join(MACHINE_DIR, relativeDir);
    await this.sh(
      `mkdir -p ${shellQuote(location)} && mount --bind ${shellQuote(inside)} ${shellQuote(location)}`,
    );
    return hostDir;
  }

  async detach(location: string): Promise<void> {
    await this.sh(`umount ${shellQuote(location)} || umount -l ${shellQuote(location)}`);
  }

  /** Pids of the processes that live in this machine (its mount namespace), holder included. */
  processes(): number[] {
    const pids: number[] = [];
    for (const entry of readdirSync("/proc")) {
      if (/^\d+$/.test(entry) && Number(entry) !== process.pid && this.owns(Number(entry)))
        pids.push(Number(entry));
    }
    return pids;
  }

  /**
   * Resets the machine as a reboot does: every process in it but the holder (the hardware) is
   * killed — hooks, services, whatever ran in the background — and it comes back with an empty /tmp
   * and /run; disks (overlays, storage) and its network keep what they had.
   */
  async reset(): Promise<void> {
    const kill = () => {
      for (const pid of this.processes()) {
        if (pid === this.holderPid) continue;
        try {
          process.kill(pid, "SIGKILL");
        } catch {
          // already gone
        }
      }
    };
    kill();
    for (let waited = 0; this.processes().some((pid) => pid !== this.holderPid); waited += 50) {
      if (waited > 10_000) throw new Error(`machine ${this.id}: processes survived the reset`);
      await new Promise((resolveWait) => setTimeout(resolveWait, 50));
      kill();
    }
    await this.sh(
      [
        "umount -l /tmp && mount -t tmpfs -o mode=1777 tmpfs /tmp",
        "umount -l /run && mount -t tmpfs -o mode=755 tmpfs /run",
        "mkdir -p /run/lock && chmod 1777 /run/lock",
      ].join(" && "),
    );
  }

  /**
   * Ends the machine like powering it off: every process in it is killed (hooks still running,
   * whatever a hook left in the background, services), then the holder, and the namespace goes.
   */
  destroy(): void {
    for (const pid of this.processes()) {
      try {
        process.kill(pid, "SIGKILL");
      } catch {
        // already gone
      }
    }
    if (this.holder.exitCode === null && this.holder.signalCode === null) this.holder.kill("SIGKILL");
  }
}
