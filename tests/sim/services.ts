/**
 * A per-machine service manager with systemctl's semantics for the unit files a charm writes under
 * /etc/systemd/system: daemon-reload, start/stop/restart, enable/disable (--now), is-active,
 * is-enabled, is-failed, kill, show, status, reset-failed. It runs real, supervised processes
 * inside the machine (User=, Group=, Environment=, WorkingDirectory=, LimitNOFILE=), restarts them
 * per Restart=/RestartSec= with systemd's start rate limit, and stops them with SIGTERM then SIGKILL
 * after TimeoutStopSec=. Output goes to the machine's journal directory.
 */
import type { ChildProcess } from "node:child_process";
import {
  closeSync,
  existsSync,
  lstatSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
} from "node:fs";
import { join } from "node:path";
import type { MachineHost } from "./machine";
import type { ToolOutput } from "./tool-server";

const UNIT_DIRS = ["/etc/systemd/system", "/lib/systemd/system", "/usr/lib/systemd/system"];
/** The unit-file directives this service manager understands, by section. */
export const SUPPORTED_KEYS: Readonly<Record<string, readonly string[]>> = {
  Unit: [
    "Description",
    "After",
    "Wants",
    "Requires",
    "Documentation",
    "StartLimitIntervalSec",
    "StartLimitBurst",
  ],
  Service: [
    "Type",
    "User",
    "Group",
    "ExecStart",
    "Restart",
    "RestartSec",
    "SuccessExitStatus",
    "LimitNOFILE",
    "TimeoutStopSec",
    "UMask",
    "WorkingDirectory",
    "Environment",
    "EnvironmentFile",
    "KillMode",
  ],
  Install: ["WantedBy", "RequiredBy", "Alias"],
};

export interface UnitFile {
  readonly name: string;
  readonly description: string;
  readonly exec: string[];
  readonly user: string | undefined;
  readonly group: string | undefined;
  readonly workingDirectory: string | undefined;
  readonly environment: Record<string, string>;
  readonly restart: "no" | "on-failure" | "always" | "on-abnormal";
  readonly restartSec: number;
  readonly successExitStatus: readonly (number | string)[];
  readonly openFiles: number | undefined;
  readonly timeoutStopSec: number;
  /** Octal file-mode creation mask (systemd's default for services is 0022). */
  readonly umask: string;
  readonly wantedBy: readonly string[];
  readonly startLimitIntervalSec: number;
  readonly startLimitBurst: number;
}

/** Splits an ExecStart= line as systemd does for simple cases (double and single quotes). */
export function splitCommandLine(line: string): string[] {
  const words: string[] = [];
  let current = "";
  let quote: string | undefined;
  let inWord = false;
  for (let i = 0; i < line.length; i += 1) {
    const char = line[i]!;
    if (quote) {
      if (char === quote) quote = undefined;
      else if (char === "\\" && quote === '"' && i + 1 < line.length) current += line[++i];
      else current += char;
    } else if (char === '"' || char === "'") {
      quote = char;
      inWord = true;
    } else if (/\s/.test(char)) {
      if (inWord) words.push(current);
      current = "";
      inWord = false;
    } else {
      current += char;
      inWord = true;
    }
  }
  if (quote) throw new Error(`unbalanced quotes in ${JSON.stringify(line)}`);
  if (inWord) words.push(current);
  return words;
}

function parseUmask(value: string, name: string): string {
  if (!/^[0-7]{3,4}$/.test(value)) throw new Error(`${name}: invalid UMask=${value}`);
  return value;
}

function seconds(value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  const match = /^(\d+(?:\.\d+)?)(ms|s|min)?$/.exec(value.trim());
  if (!match) throw new Error(`invalid time span ${JSON.stringify(value)}`);
  const number = Number(match[1]);
  return match[2] === "ms" ? number / 1000 : match[2] === "min" ? number * 60 : number;
}

/** Parses a unit file; unknown keys are reported as systemd logs them, not silently accepted. */
export function parseUnitFile(
  name: string,
  text: string,
  warn: (message: string) => void = () => {},
): UnitFile {
  const sections: Record<string, Record<string, string[]>> = {};
  let section = "";
  for (const [index, rawLine] of text.split("\n").entries()) {
    const line = rawLine.trim();
    if (line === "" || line.startsWith("#") || line.startsWith(";")) continue;
    const header = /^\[(.+)\]$/.exec(line);
    if (header) {
      section = header[1]!;
      sections[section] ??= {};
      continue;
    }
    const eq = line.indexOf("=");
    if (eq < 0 || section === "")
      throw new Error(`${name}:${index + 1}: cannot parse ${JSON.stringify(line)}`);
    const key = line.slice(0, eq).trim();
    if (!SUPPORTED_KEYS[section]?.includes(key))
      warn(`${name}:${index + 1}: Unknown key name '${key}' in section '${section}', ignoring.`);
    const entries = sections[section]!;
    entries[key] = [...(entries[key] ?? []), line.slice(eq + 1).trim()];
  }
  const get = (sectionName: string, key: string): string | undefined => sections[sectionName]?.[key]?.at(-1);
  const execStart = get("Service", "ExecStart");
  if (!execStart) throw new Error(`${name} has no ExecStart=`);
  const environment: Record<string, string> = {};
  for (const line of sections.Service?.Environment ?? []) {
    for (const assignment of splitCommandLine(line)) {
      const eq = assignment.indexOf("=");
      if (eq > 0) environment[assignment.slice(0, eq)] = assignment.slice(eq + 1);
    }
  }
  const restart = get("Service", "Restart") ?? "no";
  if (!["no", "on-failure", "always", "on-abnormal"].includes(restart))
    throw new Error(`${name}: unsupported Restart=${restart}`);
  const limit = get("Service", "LimitNOFILE");
  return {
    name,
    description: get("Unit", "Description") ?? name,
    exec: splitCommandLine(execStart.replace(/^[-@+!:]+/, "")),
    user: get("Service", "User"),
    group: get("Service", "Group"),
    workingDirectory: get("Service", "WorkingDirectory"),
    environment,
    restart: restart as UnitFile["restart"],
    restartSec: seconds(get("Service", "RestartSec"), 0.1),
    successExitStatus: (get("Service", "SuccessExitStatus") ?? "")
      .split(/\s+/)
      .filter((item) => item !== "")
      .map((item) => (/^\d+$/.test(item) ? Number(item) : item)),
    openFiles: limit === undefined ? undefined : Number(limit.split(":")[0]),
    timeoutStopSec: seconds(get("Service", "TimeoutStopSec"), 90),
    umask: parseUmask(get("Service", "UMask") ?? "0022", name),
    wantedBy: (get("Install", "WantedBy") ?? "").split(/\s+/).filter((item) => item !== ""),
    startLimitIntervalSec: seconds(get("Unit", "StartLimitIntervalSec"), 10),
    startLimitBurst: Number(get("Unit", "StartLimitBurst") ?? 5),
  };
}

type ActiveState = "inactive" | "activating" | "active" | "deactivating" | "failed";

interface ServiceState {
  definition: UnitFile | undefined;
  state: ActiveState;
  result: string;
  process: ChildProcess | undefined;
  mainPid: number | undefined;
  /** Set while a stop we asked for is in progress: the exit is then not a failure. */
  stopping: boolean;
  restartTimer: NodeJS.Timeout | undefined;
  starts: number[];
  exits: Promise<void> | undefined;
}

const SIGNALS_CLEAN = new Set(["SIGTERM", "SIGHUP", "SIGINT", "SIGPIPE"]);

function unitName(arg: string): string {
  return arg.includes(".") ? arg : `${arg}.service`;
}

const ok = (stdout = ""): ToolOutput => ({ code: 0, stdout, stderr: "" });

export class ServiceManager {
  private readonly services = new Map<string, ServiceState>();
  private closed = false;

  constructor(
    private readonly machine: MachineHost,
    private readonly log: (message: string) => void = () => {},
  ) {}

  private findUnitFile(name: string): string | undefined {
    for (const dir of UNIT_DIRS) {
      const path = this.machine.path(join(dir, name));
      if (existsSync(path)) return path;
    }
    return undefined;
  }

  private load(name: string): UnitFile | undefined {
    const path = this.findUnitFile(name);
    if (!path) return undefined;
    return parseUnitFile(name, readFileSync(path, "utf8"), (message) => this.log(message));
  }

  private service(name: string): ServiceState {
    let service = this.services.get(name);
    if (!service) {
      service = {
        definition: undefined,
        state: "inactive",
        result: "success",
        process: undefined,
        mainPid: undefined,
        stopping: false,
        restartTimer: undefined,
        starts: [],
        exits: undefined,
      };
      this.services.set(name, service);
    }
    if (!service.definition) service.definition = this.load(name);
    return service;
  }

  /** PID of a running service's main process (for tests that kill or freeze it). */
  mainPid(name: string): number | undefined {
    return this.services.get(unitName(name))?.mainPid;
  }

  activeState(name: string): ActiveState {
    return this.services.get(unitName(name))?.state ?? "inactive";
  }

  private isEnabled(name: string, definition: UnitFile | undefined): boolean {
    return (definition?.wantedBy ?? []).some((target) =>
      linkExists(this.machine.path(`/etc/systemd/system/${target}.wants/${name}`)),
    );
  }

  private launch(name: string, service: ServiceState): void {
    const definition = service.definition!;
    const now = Date.now();
    service.starts = service.starts.filter((time) => now - time < definition.startLimitIntervalSec * 1000);
    if (service.starts.length >= definition.startLimitBurst) {
      service.state = "failed";
      service.result = "start-limit-hit";
      this.log(`${name}: Start request repeated too quickly.`);
      return;
    }
    service.starts.push(now);
    const journal = openSync(join(this.machine.journalDir, `${name}.log`), "a");
    const child = this.machine.spawn(definition.exec, {
      env: {
        PATH: "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
        LANG: "C.UTF-8",
        ...definition.environment,
      },
      cwd: definition.workingDirectory,
      user: definition.user,
      group: definition.group,
      openFiles: definition.openFiles,
      umask: definition.umask,
      stdio: ["ignore", journal, journal],
      detached: true,
    });
    closeSync(journal);
    service.process = child;
    service.mainPid = child.pid;
    service.state = "active";
    service.result = "success";
    service.stopping = false;
    service.exits = new Promise((resolve) => {
      child.once("exit", (code, signal) => {
        if (service.process === child) {
          service.process = undefined;
          service.mainPid = undefined;
          this.exited(name, service, code, signal);
        }
        resolve();
      });
      child.once("error", (error) => {
        this.log(`${name}: failed to execute: ${error.message}`);
      });
    });
  }

  private exited(
    name: string,
    service: ServiceState,
    code: number | null,
    signal: NodeJS.Signals | null,
  ): void {
    const definition = service.definition!;
    const clean =
      (code !== null && (code === 0 || definition.successExitStatus.includes(code))) ||
      (signal !== null && (SIGNALS_CLEAN.has(signal) || definition.successExitStatus.includes(signal)));
    this.log(`${name}: main process exited, ${signal ? `signal=${signal}` : `code=${code}`}`);
    if (service.stopping || this.closed) {
      service.state = "inactive";
      return;
    }
    service.result = clean ? "success" : signal ? "signal" : "exit-code";
    const restart =
      definition.restart === "always" ||
      (definition.restart === "on-failure" && !clean) ||
      (definition.restart === "on-abnormal" && signal !== null && !SIGNALS_CLEAN.has(signal));
    if (!restart) {
      service.state = clean ? "inactive" : "failed";
      return;
    }
    service.state = "activating";
    service.restartTimer = setTimeout(() => {
      service.restartTimer = undefined;
      if (service.state === "activating" && !this.closed) this.launch(name, service);
    }, definition.restartSec * 1000);
  }

  private async stopService(name: string, service: ServiceState): Promise<void> {
    if (service.restartTimer) {
      clearTimeout(service.restartTimer);
      service.restartTimer = undefined;
    }
    const child = service.process;
    if (!child || child.pid === undefined) {
      if (service.state !== "failed") service.state = "inactive";
      return;
    }
    service.stopping = true;
    service.state = "deactivating";
    const timeout = (service.definition?.timeoutStopSec ?? 90) * 1000;
    const signalGroup = (signal: NodeJS.Signals): void => {
      try {
        process.kill(-child.pid!, signal);
      } catch {
        // Already gone.
      }
    };
    signalGroup("SIGCONT");
    signalGroup("SIGTERM");
    const killer = setTimeout(() => {
      this.log(`${name}: State 'stop-sigterm' timed out. Killing.`);
      signalGroup("SIGKILL");
    }, timeout);
    await service.exits;
    clearTimeout(killer);
    signalGroup("SIGKILL");
    service.state = "inactive";
    service.stopping = false;
  }

  private async start(name: string): Promise<ToolOutput | undefined> {
    const service = this.service(name);
    if (!service.definition) return this.notFound("start", name);
    if (service.state === "active" || service.state === "activating") return undefined;
    service.starts = [];
    this.launch(name, service);
    return undefined;
  }

  private notFound(verb: string, name: string): ToolOutput {
    return { code: 5, stdout: "", stderr: `Failed to ${verb} ${name}: Unit ${name} not found.\n` };
  }

  private enable(name: string, enable: boolean): ToolOutput | undefined {
    const definition = this.load(name);
    if (!definition)
      return {
        code: 1,
        stdout: "",
        stderr: `Failed to ${enable ? "enable" : "disable"} unit: Unit file ${name} does not exist.\n`,
      };
    for (const target of definition.wantedBy) {
      const wants = this.machine.path(`/etc/systemd/system/${target}.wants`);
      const link = join(wants, name);
      if (enable && !linkExists(link)) {
        mkdirSync(wants, { recursive: true });
        symlinkSync(`/etc/systemd/system/${name}`, link);
      } else if (!enable) {
        rmSync(link, { force: true });
      }
    }
    return undefined;
  }

  private status(name: string): ToolOutput {
    const service = this.service(name);
    if (!service.definition) return { code: 4, stdout: "", stderr: `Unit ${name} could not be found.\n` };
    const enabled = this.isEnabled(name, service.definition) ? "enabled" : "disabled";
    const lines = [
      `● ${name} - ${service.definition.description}`,
      `     Loaded: loaded (/etc/systemd/system/${name}; ${enabled})`,
      `     Active: ${service.state}${service.state === "failed" ? ` (Result: ${service.result})` : ""}`,
    ];
    if (service.mainPid) lines.push(`   Main PID: ${service.mainPid}`);
    return { code: service.state === "active" ? 0 : 3, stdout: `${lines.join("\n")}\n`, stderr: "" };
  }

  /** Runs one `systemctl` command line. */
  async systemctl(args: readonly string[]): Promise<ToolOutput> {
    const flags = new Set<string>();
    let signal = "SIGTERM";
    const properties: string[] = [];
    const positional: string[] = [];
    for (let i = 0; i < args.length; i += 1) {
      const arg = args[i]!;
      if (arg === "-s" || arg === "--signal") signal = args[++i] ?? signal;
      else if (arg.startsWith("--signal=")) signal = arg.slice("--signal=".length);
      else if (arg === "-p" || arg === "--property") properties.push(...(args[++i] ?? "").split(","));
      else if (arg.startsWith("--property=")) properties.push(...arg.slice("--property=".length).split(","));
      else if (arg === "-q") flags.add("--quiet");
      else if (arg.startsWith("-")) flags.add(arg);
      else positional.push(arg);
    }
    const [verb, ...rawNames] = positional;
    const names = rawNames.map(unitName);
    const quiet = flags.has("--quiet");
    switch (verb) {
      case "daemon-reload":
        for (const [name, service] of this.services) service.definition = this.load(name);
        return ok();
      case "start":
      case "restart":
      case "try-restart":
      case "reload-or-restart":
      case "stop": {
        if (names.length === 0) return { code: 1, stdout: "", stderr: "Too few arguments.\n" };
        for (const name of names) {
          const service = this.service(name);
          if (!service.definition) return this.notFound(verb, name);
          if (verb === "stop") await this.stopService(name, service);
          else if (verb === "start") {
            const failed = await this.start(name);
            if (failed) return failed;
          } else if (verb !== "try-restart" || service.state === "active") {
            await this.stopService(name, service);
            const failed = await this.start(name);
            if (failed) return failed;
          }
        }
        return ok();
      }
      case "enable":
      case "disable": {
        for (const name of names) {
          const failed = this.enable(name, verb === "enable");
          if (failed) return failed;
          if (flags.has("--now")) {
            const service = this.service(name);
            if (verb === "enable") await this.start(name);
            else await this.stopService(name, service);
          }
        }
        return ok();
      }
      case "is-active":
      case "is-failed": {
        const states = names.map((name) => this.services.get(name)?.state ?? "inactive");
        const match =
          verb === "is-active"
            ? states.some((state) => state === "active")
            : states.some((state) => state === "failed");
        return {
          code: match ? 0 : verb === "is-active" ? 3 : 1,
          stdout: quiet ? "" : states.map((state) => `${state}\n`).join(""),
          stderr: "",
        };
      }
      case "is-enabled": {
        const states = names.map((name) => {
          const definition = this.load(name);
          return definition ? (this.isEnabled(name, definition) ? "enabled" : "disabled") : undefined;
        });
        if (states.includes(undefined))
          return {
            code: 1,
            stdout: "",
            stderr: `Failed to get unit file state for ${names[0]}: No such file or directory\n`,
          };
        return {
          code: states.every((state) => state === "enabled") ? 0 : 1,
          stdout: quiet ? "" : states.map((state) => `${state}\n`).join(""),
          stderr: "",
        };
      }
      case "kill": {
        for (const name of names) {
          const pid = this.services.get(name)?.mainPid;
          if (pid)
            process.kill(
              -pid,
              signal.startsWith("SIG") ? (signal as NodeJS.Signals) : (`SIG${signal}` as NodeJS.Signals),
            );
        }
        return ok();
      }
      case "reset-failed":
        for (const name of names.length > 0 ? names : [...this.services.keys()]) {
          const service = this.services.get(name);
          if (service?.state === "failed") {
            service.state = "inactive";
            service.starts = [];
          }
        }
        return ok();
      case "status":
        return names.length === 1
          ? this.status(names[0]!)
          : { code: 1, stdout: "", stderr: "status: name exactly one unit\n" };
      case "show": {
        const name = names[0];
        if (!name) return { code: 1, stdout: "", stderr: "Too few arguments.\n" };
        const service = this.service(name);
        const values: Record<string, string> = {
          Id: name,
          LoadState: service.definition ? "loaded" : "not-found",
          ActiveState: service.state === "activating" ? "activating" : service.state,
          SubState:
            service.state === "active" ? "running" : service.state === "activating" ? "auto-restart" : "dead",
          MainPID: String(service.mainPid ?? 0),
          Result: service.result,
          NRestarts: String(Math.max(0, service.starts.length - 1)),
        };
        const wanted = properties.length > 0 ? properties : Object.keys(values);
        const lines = wanted.map((key) =>
          flags.has("--value") ? (values[key] ?? "") : `${key}=${values[key] ?? ""}`,
        );
        return ok(`${lines.join("\n")}\n`);
      }
      case "list-unit-files": {
        const dir = this.machine.path("/etc/systemd/system");
        const files = existsSync(dir) ? readdirSync(dir).filter((file) => file.endsWith(".service")) : [];
        return ok(
          files
            .map((file) => `${file} ${this.isEnabled(file, this.load(file)) ? "enabled" : "disabled"}\n`)
            .join(""),
        );
      }
      default:
        return { code: 1, stdout: "", stderr: `Unknown command verb ${verb ?? ""}.\n` };
    }
  }

  /**
   * The machine loses power: no service is restarted when its processes die (the machine kills
   * them, as a reset does); boot() brings the enabled ones back.
   */
  powerOff(): void {
    this.closed = true;
    for (const service of this.services.values()) {
      if (service.restartTimer) clearTimeout(service.restartTimer);
      service.restartTimer = undefined;
    }
  }

  /**
   * The machine boots: once every old process is gone, systemd starts each service enabled on this
   * machine (links in its own layer of /etc; the image's own services are not emulated).
   */
  async boot(): Promise<void> {
    await Promise.all([...this.services.values()].map((service) => service.exits));
    this.services.clear();
    this.closed = false;
    const systemDir = join(this.machine.dir, "upper", "etc", "systemd", "system");
    const wants = existsSync(systemDir)
      ? readdirSync(systemDir).filter((entry) => entry.endsWith(".wants"))
      : [];
    for (const target of wants) {
      const links = readdirSync(join(systemDir, target), { withFileTypes: true });
      for (const link of links.filter((entry) => entry.isSymbolicLink())) {
        this.log(`${link.name}: started at boot (${target.slice(0, -".wants".length)})`);
        await this.start(link.name);
      }
    }
  }

  /** Stops every service (machine teardown). */
  async stopAll(): Promise<void> {
    this.closed = true;
    await Promise.all([...this.services.entries()].map(([name, service]) => this.stopService(name, service)));
  }
}

/**
 * Whether the symlink itself exists. Its target is the machine's absolute path
 * (`/etc/systemd/system/<unit>`), which does not resolve from the host, so existsSync — which
 * follows links — said "absent" for an enabled unit: `is-enabled` answered disabled and a second
 * `enable --now` failed with EEXIST (which failed the charm's hook after a JVM crash).
 */
function linkExists(path: string): boolean {
  try {
    lstatSync(path);
    return true;
  } catch {
    return false;
  }
}
