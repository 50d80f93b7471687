/**
 * The emulated Juju controller and its unit agents, in one process: the model, one agent loop per
 * unit (one hook at a time per unit, units in parallel), one machine per unit, the hook-tool socket,
 * leadership, hook retries with Juju's backoff, actions, `juju exec`, and the model operations the
 * CLI offers. Tests use it in-process; the CLI talks to the same class in a background process.
 */
import { execFileSync } from "node:child_process";
import { randomBytes, randomInt, randomUUID } from "node:crypto";
import { copyFileSync, cpSync, existsSync, mkdirSync, readdirSync, rmSync, symlinkSync } from "node:fs";
import { join, resolve } from "node:path";
import { performance } from "node:perf_hooks";
import { enterScopeSettings, type NextHook, UnitAgentState } from "./agent";
import { loadCharm } from "./charm-loader";
import { HookContext, type HookDescriptor, type UnitView } from "./hook-context";
import { DEFAULT_PATH, hookEnvironment, JUJU_VERSION } from "./hook-env";
import { buildHookRusage, type HookRunRecord, type ProcessUsage } from "./hook-meter";
import { convertConfigValue, parseDuration, validateActionParams } from "./juju-values";
import { AGENT_SOCKET, type ExecResult, MachineHost } from "./machine";
import {
  type ActionRecord,
  type Application,
  type Charm,
  effectiveConfig,
  endpointOf,
  type LogRecord,
  type Model,
  newModel,
  now,
  remoteAppOf,
  type Unit,
} from "./model";
import { addRelation, application, applyConfig, createStorage, markRelationDying } from "./model-changes";
import { ModelNetwork } from "./network";
import { nextRetryDelay, retriedOp } from "./retry";
import { secretClock } from "./secret-timers";
import { ServiceManager } from "./services";
import { buildJujuc, ioFor, type ToolOutput, type ToolRequest, ToolServer } from "./tool-server";
import { TOOL_NAMES } from "./tools";

/** The action Juju 3 runs for `juju exec` (core/actions JujuExecActionName). */
const JUJU_EXEC = "juju-exec";
/**
 * Commands sent by `juju-exec` on the unit's machine (the uniter's run listener, not an action): run
 * like `juju exec`'s but without the action's variables. Kept off the model's task list.
 */
const RUN_COMMANDS = "run-commands";
const UNIT_ARG = /^(?:[a-z][a-z0-9-]*\/\d+|unit-[a-z][a-z0-9-]*-\d+)$/;

export { JUJU_VERSION };

export interface ControllerOptions {
  /** Where the model keeps machines, charms and binaries (default `.sim`). */
  readonly modelDir?: string;
  readonly modelName?: string;
  /** The first three octets of the machines' loopback addresses (default random 127.x.y). */
  readonly subnet?: string;
  /** How long a dead leader's lease lasts before another unit is elected (Juju: ~30–60 s). */
  readonly leaseExpiryMs?: number;
  /** First retry delay of a failed hook (Juju: 5 s), doubling (±3 %) up to retryMaxMs (Juju: 5 min). */
  readonly retryBaseMs?: number;
  readonly retryMaxMs?: number;
  /** Called for every log line the model records (hook output, juju-log, controller notes). */
  readonly onLog?: (record: LogRecord) => void;
  /**
   * Benchmarks only: run every dispatch under the `hook-rusage` meter and keep a HookRunRecord of
   * every hook (wall and CPU time, peak RSS, the hook tools it called) in `hookRuns`. Off by
   * default; hooks see no difference either way.
   */
  readonly measureHooks?: boolean;
  /** Called after every hook run with its record (with or without measureHooks). */
  readonly onHookRun?: (record: HookRunRecord) => void;
  /**
   * Machines with an IPv6 ULA listed before their IPv4 address on eth0 and a second NIC (eth1, a
   * TEST-NET address nothing listens on), as network-get reports many clouds' machines.
   */
  readonly dualStack?: boolean;
  /** A root filesystem every new machine starts from (machine-image.ts); default: this host's. */
  readonly machineImage?: string;
  /**
   * Each machine gets a network namespace of its own, its eth0 on a bridge of the model with a
   * 10.x.y.z address (network.ts), so a unit's network can be cut or partitioned. The emulator must
   * itself run in a network namespace of its own (scripts/in-netns.sh). Default: machines share the
   * emulator's namespace, each with its own 127.x.y.z.
   */
  readonly networkPerMachine?: boolean;
}

/** A hook asked for with runHookNow, waiting for its unit's agent. */
interface ForcedHook {
  readonly op: NextHook;
  /** The implicit start after a reboot: runs even while a failed hook waits for its retry. */
  readonly evenInError?: boolean;
  readonly resolve: (record: HookRunRecord) => void;
  readonly reject: (error: Error) => void;
}

interface HookFailure {
  readonly op: NextHook;
  attempts: number;
  /** The backoff this failure waited (the next one doubles it). */
  delayMs: number;
  retryAt: number;
}

interface AgentRuntime {
  readonly state: UnitAgentState;
  busy: boolean;
  /** The failed hook, retried unchanged when its backoff expires or on `resolved`. */
  error: HookFailure | undefined;
  /** Hooks asked for with runHookNow; they run before anything the agent would pick itself. */
  readonly forced: ForcedHook[];
}

export interface DeployOptions {
  readonly numUnits?: number;
  readonly config?: Readonly<Record<string, string>>;
}

export type { ExecResult };

/** A command run under the hook meter (measureCommand). */
export interface MeasuredRun {
  readonly code: number;
  /** Spawning the command in the machine until it exited, as for a hook (ms). */
  readonly wallMs: number;
  readonly usage: ProcessUsage | undefined;
}

/** Options of runHookNow for relation hooks. */
export interface RunHookNowOptions {
  /** The remote unit (JUJU_REMOTE_UNIT); joined and departed need one, changed may omit it. */
  readonly remoteUnit?: string;
  /** The relation, when the endpoint has several; default: the endpoint's only live relation. */
  readonly relationId?: number;
  /** The implicit start after a reboot: runs before a failed hook's retry. */
  readonly afterReboot?: boolean;
}

export class Controller {
  readonly model: Model;
  readonly modelDir: string;
  private readonly agents = new Map<string, AgentRuntime>();
  private readonly machines = new Map<string, MachineHost>();
  private readonly services = new Map<string, ServiceManager>();
  private readonly contexts = new Map<string, HookContext>();
  private readonly subnet: string;
  private readonly leaseExpiryMs: number;
  private readonly retryBaseMs: number;
  private readonly retryMaxMs: number;
  private readonly ticker: NodeJS.Timeout;
  private readonly pendingElections = new Map<string, NodeJS.Timeout>();
  private readonly failpoints = new Set<string>();
  /** `<unit> <tool>`: loseLeadershipOnce failpoints. */
  private readonly leadershipLosses = new Set<string>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly logListeners = new Set<(record: LogRecord) => void>();
  /** Hook tools called per running hook context (for HookRunRecord.toolCalls). */
  private readonly toolCalls = new Map<string, string[]>();
  private readonly measureHooks: boolean;
  private readonly onHookRun: ((record: HookRunRecord) => void) | undefined;
  private readonly hookRusage: string | undefined;
  private readonly hookRecords: HookRunRecord[] = [];
  private destroyed = false;
  private kicking = false;

  private readonly dualStack: boolean;
  private readonly machineImage: string | undefined;
  /** The model's bridge when machines have networks of their own. */
  readonly network: ModelNetwork | undefined;
  /** Units whose agent restarted (restartAgent): their relation-broken has no remote app. */
  private readonly restartedAgents = new Set<string>();
  /** Tasks that are `juju-exec` commands from a machine (run listener), not actions. */
  private readonly commandRecords = new Set<string>();
  /** Every charm revision deployed or refreshed to, by `<app>/<revision>` (agents diff their files). */
  private readonly charms = new Map<string, Charm>();

  private constructor(
    options: ControllerOptions,
    private readonly tools: ToolServer,
    readonly socketAddress: string,
    private readonly jujuc: string,
    hookRusage: string | undefined,
    network: ModelNetwork | undefined,
  ) {
    this.network = network;
    this.modelDir = resolve(options.modelDir ?? ".sim");
    this.subnet = options.subnet ?? `127.${randomInt(2, 250)}.${randomInt(0, 256)}`;
    this.leaseExpiryMs = options.leaseExpiryMs ?? 5_000;
    this.retryBaseMs = options.retryBaseMs ?? 5_000;
    this.retryMaxMs = options.retryMaxMs ?? 300_000;
    if (options.onLog) this.logListeners.add(options.onLog);
    this.measureHooks = options.measureHooks === true;
    this.dualStack = options.dualStack === true;
    this.machineImage = options.machineImage;
    this.onHookRun = options.onHookRun;
    this.hookRusage = hookRusage;
    this.model = newModel(options.modelName ?? "sim", randomUUID(), JUJU_VERSION);
    this.ticker = setInterval(() => this.kick(), 250);
  }

  static async create(options: ControllerOptions = {}): Promise<Controller> {
    if (process.getuid?.() !== 0)
      throw new Error("the Juju emulator needs root (it gives each unit its own mount namespace)");
    const modelDir = resolve(options.modelDir ?? ".sim");
    mkdirSync(modelDir, { recursive: true });
    if (options.networkPerMachine && options.dualStack)
      throw new Error("networkPerMachine and dualStack cannot be combined");
    const network = options.networkPerMachine ? ModelNetwork.create() : undefined;
    // Abstract sockets (Juju's) are scoped to a network namespace: machines with networks of their
    // own reach the server through a socket file bound into each of them.
    const socketAddress = network ? AGENT_SOCKET : `@juju-sim/${randomBytes(8).toString("hex")}/agent.socket`;
    const listenAddress = network ? join(modelDir, "agent.socket") : socketAddress;
    const jujuc = buildJujuc(join(modelDir, "bin"), socketAddress);
    const hookRusage = options.measureHooks ? buildHookRusage(join(modelDir, "bin")) : undefined;
    let controller: Controller | undefined;
    const tools = await ToolServer.listen(listenAddress, (request) => controller!.handleTool(request));
    controller = new Controller(options, tools, socketAddress, jujuc, hookRusage, network);
    return controller;
  }

  // --- logging -----------------------------------------------------------------------------------

  log(unit: string, level: string, logger: string, message: string): void {
    const record: LogRecord = { time: now(), unit, level, logger, message };
    this.model.logs.push(record);
    for (const listener of this.logListeners) listener(record);
  }

  /** Follows new log records until the returned function is called. */
  followLogs(listener: (record: LogRecord) => void): () => void {
    this.logListeners.add(listener);
    return () => this.logListeners.delete(listener);
  }

  // --- hook tools --------------------------------------------------------------------------------

  private async handleTool(request: ToolRequest): Promise<ToolOutput> {
    this.toolCalls.get(request.contextId)?.push(request.tool);
    if (request.tool === "juju-exec") return this.jujuExecOnMachine(request);
    if (request.tool === "systemctl") {
      const machine = [...this.machines.values()].find((candidate) => candidate.owns(request.pid));
      if (!machine)
        return {
          code: 1,
          stdout: "",
          stderr: "System has not been booted with systemd as init system (PID 1).\n",
        };
      return this.services.get(machine.id)!.systemctl(request.args);
    }
    const context = this.contexts.get(request.contextId);
    if (!context) {
      return {
        code: 1,
        stdout: "",
        stderr: `ERROR bad request: no hook context ${JSON.stringify(request.contextId)}\n`,
      };
    }
    if (this.model.units[context.unitName]?.agentLost && request.tool !== "juju-log")
      return { code: 1, stdout: "", stderr: "ERROR connection is shut down\n" };
    const logged = this.model.logs.length;
    const output = context.run(request.tool, request.args, ioFor(request));
    const app = this.model.units[context.unitName]?.app;
    if (
      app &&
      this.model.applications[app]?.leader === context.unitName &&
      this.leadershipLosses.delete(`${context.unitName} ${request.tool}`)
    )
      this.moveLeadership(app);
    for (const record of this.model.logs.slice(logged))
      for (const listener of this.logListeners) listener(record);
    this.kick();
    return output;
  }

  // --- model operations --------------------------------------------------------------------------

  /** `juju deploy <charm> [app] -n N --config k=v`. */
  async deploy(charmPath: string, appName?: string, options: DeployOptions = {}): Promise<Application> {
    this.assertAlive();
    const staging = join(this.modelDir, "charms", `${Date.now()}-${randomBytes(3).toString("hex")}`);
    const charm = loadCharm(charmPath, staging);
    const name = appName ?? charm.meta.name;
    if (!/^[a-z][a-z0-9]*(-[a-z0-9]*[a-z][a-z0-9]*)*$/.test(name))
      throw new Error(`invalid application name "${name}"`);
    if (this.model.applications[name])
      throw new Error(`cannot add application "${name}": application already exists`);
    const config: Record<string, unknown> = {};
    for (const [key, raw] of Object.entries(options.config ?? {}))
      config[key] = convertConfigValue(charm, key, raw);
    const app: Application = {
      name,
      charm,
      config,
      leader: undefined,
      nextUnitNumber: 0,
      status: undefined,
      workloadVersion: "",
      leaderSettings: { data: {}, version: 0 },
      configVersion: 0,
    };
    this.model.applications[name] = app;
    for (const [endpoint, decl] of Object.entries(charm.meta.peers))
      this.addPeerRelation(name, endpoint, decl);
    this.charms.set(`${name}/${charm.revision}`, charm);
    await this.addUnit(name, options.numUnits ?? 1);
    return app;
  }

  /**
   * `juju refresh <app> --path <charm>`: the charm gets the next local revision; Juju refuses a
   * different charm name, an established relation whose endpoint the new charm lacks, and storage
   * changes that would strand attached storage (state/application.go SetCharm: checkRelationsOps,
   * checkStorageUpgrade). Settings the new charm still has (and still accepts) are kept, new
   * options take their defaults; peer relations the new charm adds are created, dropped ones go.
   * Each unit's agent then deploys the files and runs upgrade-charm, then config-changed.
   */
  refresh(appName: string, charmPath: string): Charm {
    this.assertAlive();
    const app = this.application(appName);
    const staging = join(this.modelDir, "charms", `${Date.now()}-${randomBytes(3).toString("hex")}`);
    const charm = loadCharm(charmPath, staging, app.charm.revision + 1);
    const url = `local:${charm.meta.name}-${charm.revision}`;
    const refuse = (reason: string) => {
      rmSync(staging, { recursive: true, force: true });
      return new Error(`cannot upgrade application "${appName}" to charm "${url}": ${reason}`);
    };
    if (charm.meta.name !== app.charm.meta.name) {
      rmSync(staging, { recursive: true, force: true });
      throw new Error(`cannot refresh "${app.charm.meta.name}" to "${charm.meta.name}"`);
    }
    const declared = { ...charm.meta.provides, ...charm.meta.requires };
    for (const relation of Object.values(this.model.relations)) {
      if (relation.life !== "alive" || relation.endpoints.length !== 2) continue;
      const own = relation.endpoints.find((endpoint) => endpoint.app === appName);
      if (own && !declared[own.endpoint]) {
        const spec = relation.endpoints.map((endpoint) => `${endpoint.app}:${endpoint.endpoint}`).join(" ");
        throw refuse(`would break relation "${spec}"`);
      }
    }
    const inUse = new Set(
      this.unitsOf(appName).flatMap((unit) => unit.storage.map((id) => id.slice(0, id.indexOf("/")))),
    );
    for (const [name, before] of Object.entries(app.charm.meta.storage)) {
      const after = charm.meta.storage[name];
      if (!after) {
        if (inUse.has(name)) throw refuse(`in-use storage "${name}" removed`);
        continue;
      }
      if (after.type !== before.type)
        throw refuse(`existing storage "${name}" type changed from "${before.type}" to "${after.type}"`);
      if ((after.location ?? "") !== (before.location ?? ""))
        throw refuse(
          `existing storage "${name}" location changed from "${before.location ?? ""}" to "${after.location ?? ""}"`,
        );
    }
    // Settings the new charm does not declare, or whose value its type refuses, are dropped.
    const config: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(app.config)) {
      const option = charm.config[key];
      if (!option) continue;
      try {
        config[key] = convertConfigValue(charm, key, String(value));
      } catch {
        // Back to the default, silently, as Juju does.
      }
    }
    for (const relation of Object.values(this.model.relations)) {
      const peer = relation.endpoints.length === 1 && relation.endpoints[0]!.app === appName;
      if (peer && relation.life === "alive" && !charm.meta.peers[relation.endpoints[0]!.endpoint])
        relation.life = "dying";
    }
    for (const [endpoint, decl] of Object.entries(charm.meta.peers)) {
      const exists = Object.values(this.model.relations).some(
        (relation) =>
          relation.life === "alive" &&
          relation.endpoints.length === 1 &&
          relation.endpoints[0]!.app === appName &&
          relation.endpoints[0]!.endpoint === endpoint,
      );
      if (!exists) this.addPeerRelation(appName, endpoint, decl);
    }
    app.charm = charm;
    app.config = config;
    app.configVersion += 1;
    this.charms.set(`${appName}/${charm.revision}`, charm);
    this.kick();
    return charm;
  }

  /** The peer relation Juju creates for a peer endpoint of the application's charm (deploy, refresh). */
  private addPeerRelation(app: string, endpoint: string, decl: { readonly interface: string }): void {
    const id = this.model.nextRelationId++;
    this.model.relations[id] = {
      id,
      interface: decl.interface,
      endpoints: [{ app, endpoint, role: "peer" }],
      life: "alive",
      appBags: { [app]: { data: {}, version: 0 } },
      unitBags: {},
      scope: [],
    };
  }

  /** `juju add-unit <app> -n N`; returns the new unit names. */
  async addUnit(appName: string, count = 1): Promise<string[]> {
    this.assertAlive();
    const app = this.application(appName);
    const names: string[] = [];
    const created: Unit[] = [];
    for (let i = 0; i < count; i += 1) {
      const number = app.nextUnitNumber++;
      const name = `${appName}/${number}`;
      const machineId = String(this.model.nextMachineId++);
      const address = this.network?.addressOf(machineId) ?? `${this.subnet}.${Number(machineId) + 1}`;
      const unit: Unit = {
        name,
        app: appName,
        number,
        machine: machineId,
        address,
        life: "alive",
        workloadStatus: { status: "waiting", message: "waiting for machine", since: now() },
        agentStatus: { status: "allocating", message: "", since: now() },
        state: {},
        openedPorts: [],
        storage: [],
        statusSetByCharm: false,
        charmRevision: app.charm.revision,
      };
      this.model.units[name] = unit;
      const host = Number(machineId) + 1;
      this.model.machines[machineId] = {
        id: machineId,
        address,
        dir: join(this.modelDir, "machines", machineId),
        ...(this.dualStack
          ? {
              devices: [
                {
                  interfaceName: "eth0",
                  addresses: [
                    { value: `fd42::${host.toString(16)}`, cidr: "fd42::/64" },
                    { value: address, cidr: `${this.subnet}.0/24` },
                  ],
                },
                { interfaceName: "eth1", addresses: [{ value: `192.0.2.${host}`, cidr: "192.0.2.0/24" }] },
              ],
            }
          : {}),
      };
      names.push(name);
      created.push(unit);
    }
    // The first unit agent of a new application claims the lease before it runs any hook, so the
    // leader's first leadership hook is leader-elected and the others' leader-settings-changed.
    if (!app.leader && !this.pendingElections.has(appName)) this.elect(appName, names[0]);
    const storage = created.map((unit) => createStorage(this.model, unit, app));
    await Promise.all(created.map((unit, index) => this.provision(unit, app, storage[index]!)));
    this.kick();
    return names;
  }

  /**
   * Creates the storage instances a new unit's charm declares. Juju numbers them model-wide when
   * the unit is added (state AddUnit), so `deploy -n 3` gives app/0 `<name>/0`, app/1 `<name>/1`…
   */

  private async provision(unit: Unit, app: Application, storageIds: readonly string[]): Promise<void> {
    const machineRecord = this.model.machines[unit.machine]!;
    const machine = await MachineHost.create({
      id: unit.machine,
      address: unit.address,
      dir: machineRecord.dir,
      jujuc: this.jujuc,
      hostname: `juju-${this.model.uuid.slice(0, 6)}-${unit.machine}`,
      image: this.machineImage,
      ownNetwork: this.network !== undefined,
      agentSocket: this.network ? this.tools.address : undefined,
    });
    if (this.network) {
      const mac = this.network.plug(unit.machine, machine.holderPid);
      this.model.machines[unit.machine] = {
        ...machineRecord,
        devices: [
          { interfaceName: "eth0", mac, addresses: [{ value: unit.address, cidr: this.network.cidr }] },
        ],
      };
    }
    this.machines.set(unit.machine, machine);
    this.services.set(
      unit.machine,
      new ServiceManager(machine, (message) =>
        this.log(unit.name, "INFO", `machine-${unit.machine}.systemd`, message),
      ),
    );
    const tag = `unit-${unit.app}-${unit.number}`;
    const charmDir = join(machine.jujuDir, "agents", tag, "charm");
    mkdirSync(charmDir, { recursive: true });
    cpSync(app.charm.dir, charmDir, { recursive: true });
    const toolsDir = join(machine.jujuDir, "tools", tag);
    mkdirSync(toolsDir, { recursive: true });
    copyFileSync(this.jujuc, join(machine.jujuDir, "tools", "jujuc"));
    execFileSync("chmod", ["0755", join(machine.jujuDir, "tools", "jujuc")]);
    if (this.hookRusage) {
      copyFileSync(this.hookRusage, join(machine.jujuDir, "tools", "hook-rusage"));
      execFileSync("chmod", ["0755", join(machine.jujuDir, "tools", "hook-rusage")]);
    }
    for (const tool of TOOL_NAMES) symlinkSync("../jujuc", join(toolsDir, tool));
    for (const id of storageIds) {
      const storage = this.model.storage[id]!;
      await machine.attach(`storage/${id.replace("/", "-")}`, storage.location);
      unit.storage.push(id);
    }
    unit.workloadStatus = { status: "waiting", message: "agent initialising", since: now() };
    unit.agentStatus = { status: "idle", message: "", since: now() };
    this.agents.set(unit.name, {
      state: new UnitAgentState(unit.name),
      busy: false,
      error: undefined,
      forced: [],
    });
  }

  /**
   * The agent's charm deploy (charm/manifest_deployer.go): files of the unit's old charm that the new
   * one lacks are removed, the new charm's are copied over, and files the charm wrote itself stay.
   */
  private deployCharm(unit: Unit, charm: Charm): void {
    const machine = this.machine(unit.name);
    const target = join(machine.jujuDir, "agents", `unit-${unit.app}-${unit.number}`, "charm");
    const old = this.charms.get(`${unit.app}/${unit.charmRevision ?? 0}`);
    const files = (dir: string): Set<string> =>
      new Set((readdirSync(dir, { recursive: true }) as string[]).map((path) => path.toString()));
    if (old) {
      const kept = files(charm.dir);
      for (const path of [...files(old.dir)].sort().reverse()) {
        if (!kept.has(path)) rmSync(join(target, path), { recursive: true, force: true });
      }
    }
    cpSync(charm.dir, target, { recursive: true });
    unit.charmRevision = charm.revision;
    this.log(unit.name, "INFO", "juju.worker.uniter.charm", `deployed charm revision ${charm.revision}`);
  }

  /** `juju remove-unit <unit> …`: the units run their teardown hooks, then their machines go. */
  removeUnit(...names: string[]): void {
    for (const name of names) {
      const unit = this.model.units[name];
      if (!unit) throw new Error(`unit "${name}" not found`);
      unit.life = "dying";
    }
    this.kick();
  }

  /** Scales an application to `count` units, adding new ones or removing the highest-numbered. */
  async scaleApplication(appName: string, count: number): Promise<void> {
    const alive = this.unitsOf(appName).filter((unit) => unit.life === "alive");
    if (count > alive.length) await this.addUnit(appName, count - alive.length);
    else if (count < alive.length) {
      this.removeUnit(
        ...alive
          .sort((a, b) => b.number - a.number)
          .slice(0, alive.length - count)
          .map((unit) => unit.name),
      );
    }
  }

  /** `juju integrate a[:endpoint] b[:endpoint]`; returns the relation id. */
  integrate(first: string, second: string): number {
    const id = addRelation(this.model, first, second);
    this.kick();
    return id;
  }

  /** `juju remove-relation a b`: every unit departs and breaks, then the relation goes. */
  removeRelation(first: string, second: string): void {
    markRelationDying(this.model, first, second);
    this.kick();
  }

  /** `juju config <app>`: the effective config. */
  getConfig(appName: string): Record<string, unknown> {
    return effectiveConfig(this.application(appName));
  }

  /** `juju config <app> k=v …` (strings converted to the option types); `reset` restores defaults. */
  setConfig(appName: string, values: Readonly<Record<string, string>>, reset: readonly string[] = []): void {
    applyConfig(this.application(appName), values, reset);
    this.kick();
  }

  /** `juju model-config k=v …`. */
  setModelConfig(values: Readonly<Record<string, string>>): void {
    for (const [key, value] of Object.entries(values)) {
      if (key === "update-status-hook-interval") {
        parseDuration(value);
        this.model.config[key] = value;
        for (const agent of this.agents.values()) agent.state.updateStatusDue = 0;
      } else if (key === "automatically-retry-hooks") {
        this.model.config[key] = value === "true";
      } else throw new Error(`unknown model config key "${key}"`);
    }
    this.kick();
  }

  /**
   * As if `unitName`'s agent had restarted: from now on its relation-broken hooks export an empty
   * JUJU_REMOTE_APP, as Juju's do after an agent restart (the uniter's relation state fills the
   * remote application only in SynchronizeScopes; LP 1960934). HookVars exports the variable
   * anyway (internal/worker/uniter/runner/context/context.go).
   */
  restartAgent(unitName: string): void {
    this.unit(unitName);
    this.restartedAgents.add(unitName);
  }

  // --- network faults (networkPerMachine) ----------------------------------------------------------

  private requireNetwork(): ModelNetwork {
    if (!this.network)
      throw new Error("network faults need a model whose machines have networks of their own");
    return this.network;
  }

  /**
   * Takes the link of `unitName`'s machine down: nothing reaches it or leaves it, its unit agent
   * included. As in Juju, the controller then shows the agent lost, the unit runs no hooks, hook
   * tools that need the controller fail (the running hook's commit with them), and a leader whose
   * lease cannot be renewed loses it when it expires (leaseExpiryMs), to a unit that still answers.
   */
  cutNetwork(unitName: string): void {
    const unit = this.unit(unitName);
    this.requireNetwork().cut(unit.machine);
    this.loseAgent(unit);
  }

  /** The controller stops hearing from `unit`'s agent; a lease it holds expires unless it is back. */
  private loseAgent(unit: Unit): void {
    unit.agentLost = true;
    this.log(unit.name, "WARNING", "juju.apiserver", `connection to ${unit.name} lost`);
    const app = this.application(unit.app);
    if (app.leader === unit.name)
      this.timer(this.leaseExpiryMs, () => {
        if (!unit.agentLost || app.leader !== unit.name) return;
        this.log(unit.name, "INFO", "juju.worker.leadership", `${unit.name} lease for ${app.name} expired`);
        app.leader = undefined;
        this.scheduleElection(app.name, 0);
      });
  }

  /**
   * Reboots the machines of `unitNames` at once: every process on them dies (a running hook with
   * them: it counts as failed and is retried), /tmp and /run start empty, systemd starts the enabled
   * services, and the unit agent comes back. As Juju's uniter does after a reboot, a unit whose
   * charm had started runs an implicit `start` hook before anything else (uniter.go: "reboot
   * detected; triggering implicit start hook to notify charm"). The controller loses each agent
   * while its machine is down (`downMs`), which may cost a leader its lease.
   */
  async reboot(unitNames: readonly string[], downMs = 1_000): Promise<void> {
    const units = unitNames.map((name) => this.unit(name));
    for (const unit of units) {
      this.loseAgent(unit);
      this.services.get(unit.machine)?.powerOff();
    }
    await Promise.all(units.map((unit) => this.machine(unit.name).reset()));
    for (const unit of units) this.log(unit.name, "INFO", `machine-${unit.machine}`, "machine rebooting");
    await new Promise((resolveWait) => setTimeout(resolveWait, downMs));
    await Promise.all(units.map((unit) => this.services.get(unit.machine)?.boot()));
    for (const unit of units) {
      unit.agentLost = false;
      const agent = this.agents.get(unit.name);
      if (agent?.state.started) {
        this.log(
          unit.name,
          "INFO",
          "juju.worker.uniter",
          "reboot detected; triggering implicit start hook to notify charm",
        );
        this.runHookNow(unit.name, "start", { afterReboot: true }).catch((error: unknown) =>
          this.log(unit.name, "ERROR", "juju.worker.uniter", `implicit start hook: ${String(error)}`),
        );
      }
    }
    this.kick();
  }

  /** Brings `unitName`'s link back: the agent reconnects and catches up on what it missed. */
  healNetwork(unitName: string): void {
    const unit = this.unit(unitName);
    this.requireNetwork().heal(unit.machine);
    unit.agentLost = false;
    this.log(unitName, "INFO", "juju.apiserver", `${unitName} connected`);
    this.kick();
  }

  /**
   * Splits the machines of the given units into sides that cannot reach each other (nftables rules
   * on each machine drop traffic to and from the other sides' addresses); units not listed keep
   * reaching everyone. Unit agents keep reaching the controller. `partition([])` heals.
   */
  partition(sides: readonly (readonly string[])[]): void {
    this.requireNetwork();
    const sideOf = new Map(sides.flatMap((side, index) => side.map((name) => [name, index] as const)));
    for (const unit of Object.values(this.model.units)) {
      const machine = this.machines.get(unit.machine);
      if (!machine) continue;
      const side = sideOf.get(unit.name);
      const others = [...sideOf]
        .filter(([, index]) => side !== undefined && index !== side)
        .map(([name]) => this.unit(name).address);
      ModelNetwork.isolateFrom(machine.holderPid, others);
    }
    this.log(
      "",
      "INFO",
      "juju-sim.network",
      sides.length ? `partitioned ${sides.map((side) => side.join(" ")).join(" | ")}` : "partition healed",
    );
  }

  /**
   * A test failpoint: the next time `hook` runs on `unit` it does all its work and then counts as
   * failed (exit 1), as if it crashed at its very end; its buffered changes are discarded and Juju's
   * retry rules apply.
   */
  failHookOnce(unitName: string, hook: string): void {
    this.unit(unitName);
    this.failpoints.add(`${unitName} ${hook}`);
  }

  /**
   * Takes leadership of `appName` away from its leader now and gives it to `toUnit` (default: another
   * live unit), as when the leader's agent cannot renew its lease in time (a busy or partitioned
   * controller). A hook the old leader is running goes on: its next `is-leader` answers False (the
   * call re-claims the lease, which fails), leader-only tools refuse, and the commit of its
   * application-bag writes fails (J:internal/worker/uniter/runner/context/leader.go; the controller
   * checks the leadership token in CommitHookChanges). The new leader runs leader-elected, the
   * others leader-settings-changed.
   */
  moveLeadership(appName: string, toUnit?: string): string {
    const app = this.application(appName);
    const candidates = this.unitsOf(appName).filter(
      (unit) => unit.life === "alive" && this.agents.has(unit.name) && unit.name !== app.leader,
    );
    const chosen = toUnit ?? candidates[randomInt(0, Math.max(1, candidates.length))]?.name;
    if (!chosen || !candidates.some((unit) => unit.name === chosen))
      throw new Error(`no other live unit of "${appName}" can take leadership`);
    this.log(
      app.leader ?? chosen,
      "INFO",
      "juju.worker.leadership",
      `${app.leader} lost leadership of ${appName}`,
    );
    this.elect(appName, chosen);
    return chosen;
  }

  /** The model's secret clock, as hooks see it (secret expiry and rotation times). */
  private readonly secretNow = (): Date => new Date(secretClock(this.model));

  /**
   * Moves the model's secret clock `ms` ahead of the wall clock, so secret rotations and expiries
   * fall due as if that much time had passed (hook retries, leases and update-status keep real time).
   */
  advanceClock(ms: number): void {
    this.model.clockOffsetMs = (this.model.clockOffsetMs ?? 0) + ms;
    this.kick();
  }

  /**
   * A test failpoint: the next time `unitName`, while leading, calls hook tool `tool`, leadership
   * moves to another unit (moveLeadership) right after the tool has answered, mid-hook.
   */
  loseLeadershipOnce(unitName: string, tool: string): void {
    this.unit(unitName);
    this.leadershipLosses.add(`${unitName} ${tool}`);
  }

  /** How many hooks have succeeded, per unit (from the uniter's `ran "<hook>" hook` log lines). */
  hooksRun(): Record<string, number> {
    const counts: Record<string, number> = {};
    for (const record of this.model.logs) {
      if (record.logger === "juju.worker.uniter.operation" && record.message.startsWith("ran ")) {
        counts[record.unit] = (counts[record.unit] ?? 0) + 1;
      }
    }
    return counts;
  }

  /** Every hook run so far with its measurements (only with measureHooks; oldest first). */
  get hookRuns(): readonly HookRunRecord[] {
    return this.hookRecords;
  }

  /**
   * Benchmarks and tests: runs `hook` on `unit` as soon as its agent is free, ahead of whatever the
   * agent would pick next, with the environment Juju gives that hook (relation, remote unit and app,
   * departing unit), as if Juju had fired it once more. What the agent has seen does not change, so
   * the hooks it owes still follow. A failing hook puts the unit in error and is retried as any
   * hook. Relation hooks name their endpoint (`cluster-relation-changed`); storage and secret hooks
   * are not offered. Resolves with the hook's record once it has run.
   */
  runHookNow(unitName: string, hook: string, options: RunHookNowOptions = {}): Promise<HookRunRecord> {
    this.assertAlive();
    const unit = this.unit(unitName);
    const agent = this.agents.get(unit.name);
    if (!agent) throw new Error(`unit "${unitName}" has no running agent`);
    const descriptor = this.forcedDescriptor(unit, hook, options);
    if (hook === "leader-elected" && this.application(unit.app).leader !== unit.name)
      throw new Error(`unit "${unitName}" is not the leader of "${unit.app}": leader-elected would not run`);
    const relation =
      descriptor.relationId === undefined
        ? undefined
        : {
            relationId: descriptor.relationId,
            ...(hook.endsWith("-relation-joined") ? { include: options.remoteUnit } : {}),
            ...(hook.endsWith("-relation-departed") ? { exclude: options.remoteUnit } : {}),
          };
    const op: NextHook = {
      kind: "hook",
      hook: descriptor,
      view: agent.state.view(relation),
      done: () => {},
    };
    return new Promise((resolveRun, rejectRun) => {
      agent.forced.push({ op, resolve: resolveRun, reject: rejectRun, evenInError: options.afterReboot });
      this.kick();
    });
  }

  private forcedDescriptor(unit: Unit, hook: string, options: RunHookNowOptions): HookDescriptor {
    const relationHook = /^(.+)-relation-(created|joined|changed|departed|broken)$/.exec(hook);
    if (!relationHook) {
      if (/-storage-|^secret-/.test(hook)) throw new Error(`runHookNow does not run ${hook} hooks`);
      return { kind: "hook", name: hook };
    }
    const [, endpoint, kind] = relationHook as unknown as [string, string, string];
    const candidates = Object.values(this.model.relations).filter(
      (relation) =>
        relation.life === "alive" &&
        endpointOf(relation, unit.app)?.endpoint === endpoint &&
        (options.relationId === undefined || relation.id === options.relationId),
    );
    if (candidates.length !== 1)
      throw new Error(
        `${unit.name}: ${candidates.length === 0 ? "no" : "more than one"} live relation on endpoint "${endpoint}"; pass relationId`,
      );
    const relation = candidates[0]!;
    if ((kind === "joined" || kind === "departed") && !options.remoteUnit)
      throw new Error(`${hook} needs a remote unit`);
    if (
      options.remoteUnit !== undefined &&
      !relation.scope.includes(options.remoteUnit) &&
      kind !== "departed"
    )
      throw new Error(`${options.remoteUnit} is not in relation ${relation.id}`);
    return {
      kind: "hook",
      name: hook,
      relationId: relation.id,
      remoteApp: remoteAppOf(relation, unit.app),
      ...(options.remoteUnit !== undefined ? { remoteUnit: options.remoteUnit } : {}),
      ...(kind === "departed" ? { departingUnit: options.remoteUnit } : {}),
    };
  }

  /**
   * Benchmarks: runs `command` inside the unit's machine under the hook meter, spawned exactly as
   * dispatch is (same machine entry, a bare environment), e.g. `node -e 0` as a hook's baseline.
   * Needs measureHooks.
   */
  async measureCommand(unitName: string, command: readonly string[]): Promise<MeasuredRun> {
    if (!this.hookRusage) throw new Error("measureCommand needs a controller created with measureHooks");
    const unit = this.unit(unitName);
    const started = performance.now();
    const result = await this.machine(unit.name).run(
      [...command],
      { PATH: DEFAULT_PATH, LANG: "C.UTF-8" },
      unitDir(unit, "charm"),
      undefined,
      true,
    );
    return { code: result.code, wallMs: performance.now() - started, usage: result.usage };
  }

  /** `juju resolved <unit>`: retry the failed hook now. */
  resolved(unitName: string): void {
    const agent = this.agents.get(unitName);
    if (!agent?.error) throw new Error(`unit "${unitName}" is not in an error state`);
    agent.error.retryAt = 0;
    this.kick();
  }

  /** Queues an action (`juju run`); `target` may be `app/leader`. Resolves when it has finished. */
  async runAction(
    target: string,
    name: string,
    params: Readonly<Record<string, unknown>> = {},
  ): Promise<ActionRecord> {
    const record = this.enqueueAction(target, name, params);
    await this.actionFinished(record);
    return record;
  }

  enqueueAction(target: string, name: string, params: Readonly<Record<string, unknown>>): ActionRecord {
    const unitName = target.endsWith("/leader") ? this.application(target.slice(0, -7)).leader : target;
    const unit = unitName ? this.model.units[unitName] : undefined;
    if (!unit) throw new Error(`unit "${target}" not found`);
    const decl = this.application(unit.app).charm.actions[name];
    if (!decl) throw new Error(`action "${name}" not defined on unit "${unit.name}"`);
    return this.queueAction(unit.name, name, validateActionParams(decl, params));
  }

  /** Puts an action on a unit's queue; its agent runs it between hooks. */
  private queueAction(
    unit: string,
    name: string,
    params: Readonly<Record<string, unknown>>,
    runCommands = false,
  ): ActionRecord {
    const id = String(this.model.nextActionId++);
    if (runCommands) this.commandRecords.add(id);
    const record: ActionRecord = {
      id,
      unit,
      name,
      params,
      status: "pending",
      message: "",
      results: {},
      logs: [],
      enqueued: now(),
    };
    this.model.actions[id] = record;
    this.kick();
    return record;
  }

  /**
   * `juju exec --unit <unit> -- <command>`. Juju 3 runs it as a "juju-exec" action: queued with the
   * unit's actions (between hooks, also while the unit is in error), in an action context, and its
   * changes are committed whatever the command's exit code, because utils/exec does not count a
   * non-zero exit as an error (J:internal/worker/uniter/runner/runner.go `runJujuExecAction`,
   * juju/utils exec.go `Wait`).
   */
  async exec(unitName: string, command: string, timeoutMs = 300_000): Promise<ExecResult> {
    this.assertAlive();
    const unit = this.unit(unitName);
    if (!this.agents.has(unit.name)) throw new Error(`unit "${unitName}" has no running agent`);
    // Juju passes the timeout in nanoseconds.
    const record = this.queueAction(unit.name, JUJU_EXEC, { command, timeout: timeoutMs * 1_000_000 });
    await this.actionFinished(record);
    if (record.status === "cancelled") throw new Error(`unit "${unitName}" went away before the command ran`);
    const results = record.results;
    const code = typeof results["return-code"] === "number" ? results["return-code"] : 1;
    const stdout = typeof results.stdout === "string" ? results.stdout : "";
    const stderr = typeof results.stderr === "string" ? results.stderr : "";
    // The command ran but its changes could not be committed (e.g. a non-leader updating an
    // application secret): the juju-exec task fails with the commit error.
    if (record.status === "failed")
      return { code: code || 1, stdout, stderr: `${stderr}ERROR ${record.message}\n` };
    return { code, stdout, stderr };
  }

  /**
   * `juju-exec [-u] <unit> <commands…>` run on a machine (/usr/bin/juju-exec, as jujud links it):
   * through the unit agent's run listener, queued ahead of hooks and run behind the machine's hook
   * lock in a full hook context whose changes are committed whatever the exit code; the command's
   * stdout, stderr and exit code come back (J:cmd/jujud/run/run.go, worker/uniter/runcommands).
   */
  private async jujuExecOnMachine(request: ToolRequest): Promise<ToolOutput> {
    const fail = (message: string, code = 1): ToolOutput => ({
      code,
      stdout: "",
      stderr: `ERROR ${message}\n`,
    });
    if (request.contextId !== "")
      return fail(`juju-exec cannot be called from within a hook, have context "${request.contextId}"`);
    const machine = [...this.machines.values()].find((candidate) => candidate.owns(request.pid));
    if (!machine) return fail("juju-exec: not on a machine of this model");
    const args = [...request.args];
    let unitArg: string | undefined;
    while (args[0]?.startsWith("-")) {
      const option = args.shift()!;
      if (option === "-u" || option === "--unit") unitArg = args.shift();
      else if (option === "--") break;
      else return fail(`option ${option} is not supported by the emulator's juju-exec`, 2);
    }
    if (!unitArg && args[0] && UNIT_ARG.test(args[0])) unitArg = args.shift();
    const here = Object.values(this.model.units).filter((unit) => unit.machine === machine.id);
    if (!unitArg) {
      if (here.length !== 1) return fail("missing unit-name", 2);
      unitArg = here[0]!.name;
    }
    const unitName = unitArg.startsWith("unit-") ? unitArg.slice(5).replace(/-(\d+)$/, "/$1") : unitArg;
    if (args.length === 0) return fail("missing commands", 2);
    const unit = here.find((candidate) => candidate.name === unitName);
    if (!unit) return fail(`unit "${unitName}" not found on this machine`);
    if (!this.agents.has(unit.name) || unit.agentLost)
      return fail(`dialing juju run socket: unit "${unitName}" agent is not running`);
    // One argument is the script; several are joined, quoting those that need it (utils.CommandString).
    const command =
      args.length === 1
        ? args[0]!
        : args.map((arg) => (/[\s"\\]/.test(arg) ? JSON.stringify(arg) : arg)).join(" ");
    const record = this.queueAction(unit.name, RUN_COMMANDS, { command }, true);
    await this.actionFinished(record);
    this.commandRecords.delete(record.id);
    delete this.model.actions[record.id];
    if (record.status === "cancelled") return fail("command execution aborted");
    const results = record.results;
    const code = typeof results["return-code"] === "number" ? results["return-code"] : 1;
    return {
      code: record.status === "failed" ? code || 1 : code,
      stdout: typeof results.stdout === "string" ? results.stdout : "",
      stderr: `${typeof results.stderr === "string" ? results.stderr : ""}${record.status === "failed" ? `ERROR ${record.message}\n` : ""}`,
    };
  }

  private async actionFinished(record: ActionRecord): Promise<void> {
    while (record.status === "pending" || record.status === "running") {
      if (this.destroyed) throw new Error("model destroyed");
      await new Promise((resolveWait) => setTimeout(resolveWait, 20));
    }
  }

  /** Resolves when every unit is idle with nothing pending; rejects on timeout or a unit in error. */
  async waitFor(options: { timeoutMs?: number; allowErrors?: boolean } = {}): Promise<void> {
    const deadline = Date.now() + (options.timeoutMs ?? 600_000);
    let settledSince = 0;
    for (;;) {
      if (!options.allowErrors) {
        // A unit whose failed hook is being retried shows executing, not error, until it ends.
        const failed = [...this.agents.entries()].find(([, agent]) => agent.error && !agent.busy);
        if (failed)
          throw new Error(
            `unit ${failed[0]} is in error: ${this.model.units[failed[0]]?.agentStatus.message}`,
          );
      }
      if (this.settled()) {
        settledSince ||= Date.now();
        if (Date.now() - settledSince >= 300) return;
      } else settledSince = 0;
      if (Date.now() > deadline)
        throw new Error(`timed out waiting for the model to settle: ${this.pendingSummary()}`);
      await new Promise((resolveWait) => setTimeout(resolveWait, 100));
    }
  }

  private settled(): boolean {
    if (this.pendingElections.size > 0) return false;
    for (const app of Object.values(this.model.applications)) {
      if (!app.leader && this.unitsOf(app.name).some((unit) => unit.life === "alive")) return false;
    }
    for (const [name, agent] of this.agents) {
      if (agent.busy || agent.forced.length > 0) return false;
      if (agent.error) continue;
      if (agent.state.next(this.model, Date.now(), 0) !== undefined) return false;
      if (this.model.units[name]?.life !== "alive") return false;
    }
    return Object.values(this.model.relations).every((relation) => relation.life === "alive");
  }

  private pendingSummary(): string {
    const parts: string[] = [];
    for (const [name, agent] of this.agents) {
      if (agent.busy) parts.push(`${name} running ${this.model.units[name]?.agentStatus.message}`);
      else if (agent.error) parts.push(`${name} in error`);
      else {
        const next = agent.state.next(this.model, Date.now(), 0);
        if (next)
          parts.push(`${name} next ${next.kind === "hook" ? next.hook.name : `action ${next.actionId}`}`);
      }
    }
    return parts.join("; ") || "leadership or relation teardown pending";
  }

  // --- accessors for tests -----------------------------------------------------------------------

  application(name: string): Application {
    return application(this.model, name);
  }

  unit(name: string): Unit {
    const unit = this.model.units[name];
    if (!unit) throw new Error(`unit "${name}" not found`);
    return unit;
  }

  unitsOf(appName: string): Unit[] {
    return Object.values(this.model.units)
      .filter((unit) => unit.app === appName)
      .sort((a, b) => a.number - b.number);
  }

  machine(unitName: string): MachineHost {
    const machine = this.machines.get(this.unit(unitName).machine);
    if (!machine) throw new Error(`unit "${unitName}" has no machine yet`);
    return machine;
  }

  serviceManager(unitName: string): ServiceManager {
    return this.services.get(this.unit(unitName).machine)!;
  }

  leader(appName: string): string | undefined {
    return this.application(appName).leader;
  }

  // --- agents ------------------------------------------------------------------------------------

  /** Lets every idle agent pick its next operation. */
  kick(): void {
    if (this.destroyed || this.kicking) return;
    this.kicking = true;
    try {
      for (const [name, agent] of this.agents) {
        if (!agent.busy) void this.step(name, agent);
      }
      this.finishRelations();
    } finally {
      this.kicking = false;
    }
  }

  private async step(name: string, agent: AgentRuntime): Promise<void> {
    if (agent.busy || this.destroyed) return;
    const unit = this.model.units[name];
    if (!unit || unit.agentLost) return;
    const interval = parseDuration(this.model.config["update-status-hook-interval"]);
    // A hook asked for with runHookNow goes first, unless a failed hook waits for its retry.
    const forced = !agent.error || agent.forced[0]?.evenInError ? agent.forced.shift() : undefined;
    if (forced) {
      agent.busy = true;
      try {
        const record = await this.runHookOp(unit, agent, forced.op, true);
        if (record) forced.resolve(record);
        else forced.reject(new Error(`${name}: ${forced.op.hook.name} did not run`));
      } catch (error) {
        forced.reject(error instanceof Error ? error : new Error(String(error)));
        this.log(name, "ERROR", "juju.worker.uniter", `operation failed: ${String(error)}`);
      } finally {
        agent.busy = false;
        setImmediate(() => this.kick());
      }
      return;
    }
    let op = agent.state.next(this.model, Date.now(), interval);
    // While a hook is in error only actions (and juju-exec) run (actions resolver: "We can still
    // run actions if the unit is in a hook error state"); otherwise the failed hook is retried.
    if (agent.error && op?.kind !== "action") {
      if (
        Date.now() < agent.error.retryAt ||
        (!this.model.config["automatically-retry-hooks"] && agent.error.retryAt !== 0)
      )
        return;
      op = retriedOp(agent.error.op, op);
    }
    if (!op) {
      if (agent.state.removed) await this.finishUnit(name);
      return;
    }
    agent.busy = true;
    try {
      if (op.kind === "action") await this.runActionOp(unit, op.actionId, op.view);
      else await this.runHookOp(unit, agent, op);
    } catch (error) {
      this.log(name, "ERROR", "juju.worker.uniter", `operation failed: ${String(error)}`);
    } finally {
      agent.busy = false;
      setImmediate(() => this.kick());
    }
  }

  private async runHookOp(
    unit: Unit,
    agent: AgentRuntime,
    op: NextHook,
    forced = false,
  ): Promise<HookRunRecord | undefined> {
    const hook = op.hook;
    if (op.deploy && unit.charmRevision !== op.deploy.revision) {
      this.deployCharm(unit, op.deploy);
      if (hook.name === "upgrade-charm") agent.state.upgradePending = true;
    }
    if (hook.name === "leader-elected" && this.application(unit.app).leader !== unit.name) {
      // runhook.go Prepare: leader-elected is skipped, and counts as done, once the unit no longer
      // leads (returning without that would retry it forever).
      op.done();
      agent.error = undefined;
      if (unit.agentStatus.status === "error")
        unit.agentStatus = { status: "idle", message: "", since: now() };
      return undefined;
    }
    if (hook.name.endsWith("-relation-created") && hook.relationId !== undefined) {
      // The uniter enters the relation's scope (EnterScope with the unit's network settings) as
      // soon as it sees the relation, before relation-created runs.
      const relation = this.model.relations[hook.relationId];
      if (relation) enterScopeSettings(relation, unit);
    }
    this.setJujuStatusBefore(unit, hook.name);
    if (hook.name !== "update-status") {
      const suffix = hook.remoteUnit ? ` for ${hook.remoteUnit}` : "";
      unit.agentStatus = { status: "executing", message: `running ${hook.name} hook${suffix}`, since: now() };
    }
    const context = new HookContext(this.model, unit.name, hook, op.view, { now: this.secretNow });
    this.contexts.set(context.contextId, context);
    const toolCalls: string[] = [];
    this.toolCalls.set(context.contextId, toolCalls);
    let code = 1;
    const startedAt = Date.now();
    const started = performance.now();
    let usage: ProcessUsage | undefined;
    try {
      const result = await this.machine(unit.name).run(
        [`${unitDir(unit, "charm")}/dispatch`],
        this.hookEnv(unit, context, hook),
        unitDir(unit, "charm"),
        (level, line) => this.log(unit.name, level, `unit.${unit.name}.${hook.name}`, line),
        this.measureHooks,
      );
      code = result.code;
      usage = result.usage;
      const failpoint = `${unit.name} ${hook.name}`;
      if (code === 0 && this.failpoints.delete(failpoint)) {
        // A failpoint: the hook did its work, then "failed", so Juju discards its buffered changes.
        this.log(
          unit.name,
          "WARNING",
          "juju.worker.uniter.failpoint",
          `failing hook "${hook.name}" after it ran`,
        );
        code = 1;
      }
      if (code === 0 && unit.agentLost) {
        this.log(
          unit.name,
          "ERROR",
          "juju.worker.uniter",
          `committing hook ${hook.name}: connection is shut down`,
        );
        code = 1;
      }
      if (code === 0) {
        try {
          context.commit();
        } catch (error) {
          this.log(
            unit.name,
            "ERROR",
            "juju.worker.uniter",
            `committing hook ${hook.name}: ${String(error)}`,
          );
          code = 1;
        }
      } else context.discard();
    } finally {
      this.contexts.delete(context.contextId);
      this.toolCalls.delete(context.contextId);
    }
    const record: HookRunRecord = {
      unit: unit.name,
      hook: hook.name,
      remoteUnit: hook.remoteUnit,
      forced,
      startedAt,
      endedAt: Date.now(),
      wallMs: performance.now() - started,
      code,
      toolCalls,
      usage,
    };
    this.finishHookOp(unit, agent, op, code);
    if (this.measureHooks) this.hookRecords.push(record);
    this.onHookRun?.(record);
    return record;
  }

  /** The agent's bookkeeping after a hook ran: done and idle, or in error with a retry scheduled. */
  private finishHookOp(unit: Unit, agent: AgentRuntime, op: NextHook, code: number): void {
    const hook = op.hook;
    if (code === 0) {
      op.done();
      agent.error = undefined;
      this.log(
        unit.name,
        "INFO",
        "juju.worker.uniter.operation",
        `ran "${hook.name}" hook (via hook dispatching script: dispatch)`,
      );
      unit.agentStatus = { status: "idle", message: "", since: now() };
      this.setJujuStatusAfter(unit, hook.name);
      return;
    }
    const attempts = (agent.error?.attempts ?? 0) + 1;
    const delay = nextRetryDelay(agent.error?.delayMs, this.retryBaseMs, this.retryMaxMs);
    agent.error = { op, attempts, delayMs: delay, retryAt: Date.now() + delay };
    this.timer(delay, () => this.kick());
    unit.agentStatus = {
      status: "error",
      message: `hook failed: "${hook.name}"`,
      since: now(),
      data: {
        hook: hook.name,
        ...(hook.relationId !== undefined ? { "relation-id": hook.relationId } : {}),
        ...(hook.remoteUnit ? { "remote-unit": hook.remoteUnit } : {}),
      },
    };
    this.log(
      unit.name,
      "ERROR",
      "juju.worker.uniter.operation",
      `hook "${hook.name}" (via dispatch) failed: exit status ${code}`,
    );
  }

  private async runActionOp(unit: Unit, actionId: string, view: UnitView): Promise<void> {
    const record = this.model.actions[actionId]!;
    const runCommands = this.commandRecords.has(actionId);
    const isExec = record.name === JUJU_EXEC || runCommands;
    record.status = "running";
    record.started = now();
    const previous = unit.agentStatus;
    unit.agentStatus = {
      status: "executing",
      message: runCommands ? "running commands" : `running action ${record.name}`,
      since: now(),
    };
    const descriptor: HookDescriptor = { kind: "action", name: record.name, actionId };
    const context = new HookContext(this.model, unit.name, descriptor, view, { now: this.secretNow });
    this.contexts.set(context.contextId, context);
    try {
      const env = this.hookEnv(unit, context, descriptor);
      // RunCommands does not set JUJU_DISPATCH_PATH; only charm hooks and actions get it.
      if (isExec) delete env.JUJU_DISPATCH_PATH;
      if (runCommands) {
        // A command context, not an action's: JUJU_HOOK_NAME is exported empty.
        delete env.JUJU_ACTION_NAME;
        delete env.JUJU_ACTION_UUID;
        delete env.JUJU_ACTION_TAG;
      }
      const result = await this.machine(unit.name).run(
        isExec ? ["/bin/bash", "-c", String(record.params.command)] : [`${unitDir(unit, "charm")}/dispatch`],
        env,
        unitDir(unit, "charm"),
        // An action's output is logged like a hook's; juju exec output only goes back to the caller.
        isExec
          ? undefined
          : (level, line) => this.log(unit.name, level, `unit.${unit.name}.${record.name}`, line),
        false,
        // juju-exec's timeout arrives in nanoseconds; when it passes, utils/exec kills the command's
        // process group and the action fails with ErrCancelled, its changes not flushed
        // (runner.go `runCommandsWithTimeout`, context.go `Flush` with an error).
        isExec && typeof record.params.timeout === "number" ? Math.ceil(record.params.timeout / 1e6) : 0,
      );
      if (result.cancelled) {
        context.discard();
        record.status = "failed";
        record.message = "command cancelled";
        record.completed = now();
        return;
      }
      // A charm action that exits non-zero is an error and its changes are discarded (§3.13);
      // juju-exec flushes its context regardless of the exit code.
      if (result.code === 0 || isExec) {
        try {
          context.commit();
        } catch (error) {
          record.status = "failed";
          record.message = error instanceof Error ? error.message : String(error);
        }
      } else context.discard();
      record.results = { ...record.results, "return-code": result.code };
      if (result.stdout !== "") record.results.stdout = result.stdout;
      if (result.stderr !== "") record.results.stderr = result.stderr;
      if (record.status === "running") {
        if (result.code !== 0 && !isExec) {
          record.status = "failed";
          record.message = `exit status ${result.code}`;
        } else record.status = record.failed ? "failed" : "completed";
      }
      record.completed = now();
    } finally {
      this.contexts.delete(context.contextId);
      unit.agentStatus =
        previous.status === "error" ? previous : { status: "idle", message: "", since: now() };
    }
  }

  private hookEnv(unit: Unit, context: HookContext, hook: HookDescriptor | undefined): NodeJS.ProcessEnv {
    return hookEnvironment(this.model, unit, hook, {
      contextId: context.contextId,
      socketAddress: this.socketAddress,
      charmDir: unitDir(unit, "charm"),
      remoteAppForgotten: this.restartedAgents.has(unit.name),
    });
  }

  /** Statuses Juju itself sets around hooks (juju-contract §5.6). */
  private setJujuStatusBefore(unit: Unit, hook: string): void {
    const set = (status: string, message: string) => {
      unit.workloadStatus = { status, message, since: now() };
    };
    if (hook === "install" && !unit.statusSetByCharm) set("maintenance", "installing charm software");
    if (hook === "stop") set("maintenance", "stopping charm software");
    if (hook === "remove") set("maintenance", "cleaning up prior to charm deletion");
  }

  private setJujuStatusAfter(unit: Unit, hook: string): void {
    if (hook === "start" && !unit.statusSetByCharm)
      unit.workloadStatus = { status: "unknown", message: "", since: now() };
    if (hook === "stop") unit.workloadStatus = { status: "maintenance", message: "", since: now() };
    if (hook === "remove") unit.workloadStatus = { status: "terminated", message: "", since: now() };
  }

  /** A unit whose remove hook ran: its services stop, its machine goes, leadership moves. */
  private async finishUnit(name: string): Promise<void> {
    const agent = this.agents.get(name);
    const unit = this.model.units[name];
    if (!agent || !unit) return;
    this.agents.delete(name);
    for (const forced of agent.forced.splice(0)) forced.reject(new Error(`unit "${name}" was removed`));
    await this.services.get(unit.machine)?.stopAll();
    this.machines.get(unit.machine)?.destroy();
    this.machines.delete(unit.machine);
    this.services.delete(unit.machine);
    for (const id of unit.storage) {
      const storage = this.model.storage[id];
      if (storage) storage.unit = undefined;
    }
    for (const relation of Object.values(this.model.relations)) {
      relation.scope = relation.scope.filter((member) => member !== name);
    }
    for (const secret of Object.values(this.model.secrets)) delete secret.consumers[name];
    for (const record of Object.values(this.model.actions)) {
      if (record.unit === name && record.status === "pending") {
        record.status = "cancelled";
        record.completed = now();
      }
    }
    delete this.model.units[name];
    delete this.model.machines[unit.machine];
    const app = this.model.applications[unit.app];
    if (app?.leader === name) {
      app.leader = undefined;
      this.scheduleElection(unit.app);
    }
    this.kick();
  }

  private finishRelations(): void {
    for (const relation of Object.values(this.model.relations)) {
      if (relation.life !== "alive" && relation.scope.length === 0) {
        const stillHandling = [...this.agents.values()].some((agent) => {
          const seen = agent.state.relations.get(relation.id);
          return seen?.created === true && !seen.broken && seen.members.size > 0;
        });
        if (stillHandling) continue;
        delete this.model.relations[relation.id];
        for (const secret of Object.values(this.model.secrets)) {
          secret.grants = secret.grants.filter((grant) => grant.relationId !== relation.id);
        }
      }
    }
  }

  private scheduleElection(appName: string, afterMs = this.leaseExpiryMs): void {
    if (this.pendingElections.has(appName)) return;
    this.pendingElections.set(
      appName,
      setTimeout(() => {
        this.pendingElections.delete(appName);
        if (this.destroyed || this.model.applications[appName]?.leader) return;
        const candidates = this.unitsOf(appName).filter(
          (unit) => unit.life === "alive" && this.agents.has(unit.name) && !unit.agentLost,
        );
        const chosen = candidates[randomInt(0, Math.max(1, candidates.length))];
        if (chosen) this.elect(appName, chosen.name);
        else if (this.unitsOf(appName).length > 0) this.scheduleElection(appName);
      }, afterMs),
    );
  }

  private elect(appName: string, unitName: string | undefined): void {
    const app = this.application(appName);
    if (!unitName) return;
    app.leader = unitName;
    // A leadership change reaches the other units as leader-settings-changed (Juju 3.x).
    app.leaderSettings.version += 1;
    this.log(unitName, "INFO", "juju.worker.leadership", `${unitName} promoted to leadership of ${appName}`);
    this.kick();
  }

  /** A one-shot timer that destroy() cancels. */
  private timer(delayMs: number, callback: () => void): void {
    const handle = setTimeout(() => {
      this.timers.delete(handle);
      callback();
    }, delayMs);
    this.timers.add(handle);
  }

  private assertAlive(): void {
    if (this.destroyed) throw new Error("the model has been destroyed");
  }

  /** `juju destroy-model`: stops every service and machine; nothing is left running. */
  async destroy(): Promise<void> {
    if (this.destroyed) return;
    this.destroyed = true;
    clearInterval(this.ticker);
    for (const agent of this.agents.values())
      for (const forced of agent.forced.splice(0)) forced.reject(new Error("the model has been destroyed"));
    for (const timer of this.pendingElections.values()) clearTimeout(timer);
    for (const timer of this.timers) clearTimeout(timer);
    await Promise.all([...this.services.values()].map((services) => services.stopAll()));
    for (const machine of this.machines.values()) machine.destroy();
    this.machines.clear();
    this.network?.destroy();
    await this.tools.close();
  }

  /** Removes the model directory (machines' layers, charms, binaries). */
  removeModelDir(): void {
    if (!this.destroyed) throw new Error("destroy the model first");
    if (existsSync(this.modelDir)) rmSync(this.modelDir, { recursive: true, force: true });
  }
}

function unitDir(unit: Unit, leaf: "charm"): string {
  return `/var/lib/juju/agents/unit-${unit.app}-${unit.number}/${leaf}`;
}
