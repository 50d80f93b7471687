/**
 * State-in/state-out tests of the charm (ops Scenario is the model): a world of units — the
 * emulator's in-memory Juju model and hook tools (tests/sim/hook-context.ts, run in-process), one
 * FakeMachine per unit and one FakeZooKeeper ensemble — in which a test runs chosen hooks on chosen
 * units, in the order it wants, and then asserts ZooKeeper's view and the statuses. Each hook runs
 * the charm's real handler (src/charm.ts) over the fakes with a virtual clock, so a hook that waits
 * for the workload costs no time and a whole scale-up runs in milliseconds. The emulator scenarios
 * (tests/integration) stay the end-to-end proof.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll } from "vitest";
import { runHook } from "../../lib/juju";
import type { EnsembleConfig } from "../../lib/zookeeper";
import { handleEvent } from "../../src/charm";
import type { Clock } from "../../src/ports";
import { FakeMachine } from "../fakes/fake-machine";
import { FakeZooKeeper } from "../fakes/fake-zookeeper";
import { readCharm } from "../sim/charm-loader";
import {
  addAction,
  addApplication,
  addRelation,
  addUnit,
  emptyModel,
  enterScope,
  scopeView,
} from "../sim/fixtures";
import { HookContext, type HookDescriptor, type UnitView } from "../sim/hook-context";
import { hookEnvironment } from "../sim/hook-env";
import type { ActionRecord, Model, Relation, StatusRecord as Status } from "../sim/model";

export const APP = "zookeeper";

/** Every unit charm directory made by the importing test file, removed after it. */
const CHARM_DIRS = new Set<string>();
afterAll(() => {
  for (const dir of CHARM_DIRS) rmSync(dir, { recursive: true, force: true });
  CHARM_DIRS.clear();
});
const CHARM_DIR = resolve(import.meta.dirname, "../..");

/** Virtual time: sleeping moves it on at once. */
export class FakeClock implements Clock {
  constructor(public current = Date.parse("2026-01-01T00:00:00Z")) {}
  now(): number {
    return this.current;
  }
  async sleep(ms: number): Promise<void> {
    this.current += ms;
  }
}

export interface HookRun {
  readonly unit: string;
  readonly hook: string;
  readonly code: number;
  /** The unit's juju-log lines from this hook. */
  readonly logs: readonly string[];
  /** The hook tools it called, in order. */
  readonly tools: readonly string[];
}

export class CharmWorld {
  readonly model: Model;
  readonly zookeeper = new FakeZooKeeper();
  readonly clock = new FakeClock();
  readonly machines = new Map<string, FakeMachine>();
  readonly runs: HookRun[] = [];
  /** Every service operation on every machine, in order: "zookeeper/1 restart". */
  readonly journal: string[] = [];
  private readonly peers: Relation;
  /** The peers each unit has seen join (relation-list shows only these). */
  private readonly joined = new Map<string, Set<string>>();
  private readonly charmDirs = new Map<string, string>();

  /** An application of `units` units that have each entered the peer relation (no hook run yet). */
  constructor(units: number, config: Readonly<Record<string, unknown>> = {}) {
    this.model = emptyModel();
    const app = addApplication(this.model, APP, readCharm(CHARM_DIR), 0);
    app.config = { ...config };
    this.peers = addRelation(this.model, [{ app: APP, endpoint: "cluster", role: "peer" }], [], "cluster");
    for (let i = 0; i < units; i += 1) this.addUnit();
    app.leader = `${APP}/0`;
  }

  /** A settled ensemble of `units` units: each installed, every peer joined, relation hooks run out. */
  static async deployed(units: number, config: Readonly<Record<string, unknown>> = {}): Promise<CharmWorld> {
    const world = new CharmWorld(units, config);
    for (const unit of world.unitNames) await world.install(unit);
    await world.joinAll();
    await world.settle();
    return world;
  }

  /** The unit whose server leads the ensemble, as its srvr says. */
  async zookeeperLeader(): Promise<string | undefined> {
    for (const unit of this.unitNames) {
      if ((await this.zookeeper.probe(this.machine(unit).address)).mode === "leader") return unit;
    }
    return undefined;
  }

  get unitNames(): string[] {
    return Object.values(this.model.units)
      .filter((unit) => unit.app === APP && unit.life === "alive")
      .map((unit) => unit.name);
  }

  get leader(): string | undefined {
    return this.model.applications[APP]!.leader;
  }

  set leader(unit: string | undefined) {
    this.model.applications[APP]!.leader = unit;
  }

  /** A new unit in the peer relation (Juju's scope entry); its hooks are the test's to run. */
  addUnit(): string {
    const number = this.model.applications[APP]!.nextUnitNumber;
    const unit = addUnit(this.model, APP, `10.1.0.${number + 10}`);
    enterScope(this.model, this.peers, unit.name);
    this.machines.set(
      unit.name,
      new FakeMachine(unit.address, this.zookeeper, undefined, (operation) =>
        this.journal.push(`${unit.name} ${operation}`),
      ),
    );
    return unit.name;
  }

  /** Each unit's own charm directory (the charm keeps small private files there). */
  private charmDir(unit: string): string {
    let dir = this.charmDirs.get(unit);
    if (!dir) {
      dir = mkdtempSync(join(tmpdir(), "charm-world-"));
      this.charmDirs.set(unit, dir);
      CHARM_DIRS.add(dir);
    }
    return dir;
  }

  machine(unit: string): FakeMachine {
    const machine = this.machines.get(unit);
    if (!machine) throw new Error(`no machine for ${unit}`);
    return machine;
  }

  status(unit: string): Status {
    return this.model.units[unit]!.workloadStatus;
  }

  appStatus(): Status | undefined {
    return this.model.applications[APP]!.status;
  }

  /** The committed membership by unit: "zookeeper/0:participant zookeeper/1:participant". */
  membership(): string {
    const config: EnsembleConfig | undefined = this.zookeeper.membership;
    return (config?.servers ?? []).map((server) => `${APP}/${server.id - 1}:${server.role}`).join(" ");
  }

  /**
   * Runs one hook on one unit; commits its changes when it exits 0, as Juju does. With `failAfter`
   * the hook does all its work and then counts as failed: Juju discards its buffered changes (the
   * emulator's failHookOnce), while what it did to the machine and to ZooKeeper stays done.
   */
  async run(
    unit: string,
    name: string,
    extra: Partial<HookDescriptor> = {},
    { failAfter = false } = {},
  ): Promise<HookRun> {
    const descriptor: HookDescriptor = { kind: "hook", name, ...extra };
    const context = new HookContext(this.model, unit, descriptor, this.view(unit), {
      now: () => new Date(this.clock.now()),
    });
    const logged = this.model.logs.length;
    const tools: string[] = [];
    const code = await runHook((hook) => handleEvent(hook, this.ports(unit)), {
      env: this.env(unit, descriptor, context.contextId),
      runner: {
        run: (call) => {
          tools.push(call.tool);
          const out = context.run(call.tool, [...call.args], {
            readStdin: () => call.input ?? "",
            readFile: (path) => readFileSync(path, "utf8"),
            writeFile: (path, data) => writeFileSync(path, data),
          });
          return { exitCode: out.code, stdout: out.stdout, stderr: out.stderr };
        },
      },
    });
    if (code === 0 && !failAfter) context.commit();
    else context.discard();
    const logs = this.model.logs
      .slice(logged)
      .filter((record) => record.unit === unit)
      .map((record) => record.message);
    const record = { unit, hook: name, code: failAfter ? 1 : code, logs, tools };
    this.runs.push(record);
    return record;
  }

  /**
   * As Juju's uniter: a unit sees a peer in relation-list from its relation-joined hook for that peer
   * on, and no longer once relation-departed for it has run.
   */
  private view(unit: string): UnitView {
    const scope = scopeView(this.model, unit);
    return {
      relationIds: () => scope.relationIds(),
      members: (id) =>
        id === this.peers.id
          ? scope.members(id).filter((member) => this.seen(unit).has(member))
          : scope.members(id),
    };
  }

  private seen(unit: string): Set<string> {
    const seen = this.joined.get(unit) ?? new Set<string>();
    this.joined.set(unit, seen);
    return seen;
  }

  /**
   * Relates a one-unit client application (`kafka`) on the `zookeeper` endpoint, its app bag holding
   * `request`, and runs the relation hooks Juju runs on every unit of this application.
   */
  async relateClient(request: Record<string, string>, app = "kafka"): Promise<Relation> {
    addApplication(this.model, app, readCharm(CHARM_DIR), 1);
    const relation = addRelation(
      this.model,
      [
        { app: APP, endpoint: "zookeeper", role: "provider" },
        { app, endpoint: "zookeeper", role: "requirer" },
      ],
      [...this.unitNames, `${app}/0`],
      "zookeeper",
    );
    relation.appBags[app] = { data: { ...request }, version: 1 };
    for (const unit of this.unitNames) {
      for (const kind of ["created", "joined", "changed"]) {
        await this.expectOk(
          this.run(unit, `zookeeper-relation-${kind}`, {
            relationId: relation.id,
            remoteApp: app,
            ...(kind === "created" ? {} : { remoteUnit: `${app}/0` }),
          }),
        );
      }
    }
    return relation;
  }

  /** Removes a client relation: departed, then broken, on every unit of this application. */
  async unrelateClient(relation: Relation, app = "kafka"): Promise<void> {
    relation.life = "dying";
    for (const unit of this.unitNames) {
      await this.expectOk(
        this.run(unit, "zookeeper-relation-departed", {
          relationId: relation.id,
          remoteApp: app,
          remoteUnit: `${app}/0`,
          departingUnit: `${app}/0`,
        }),
      );
    }
    relation.scope = relation.scope.filter((member) => !member.startsWith(`${app}/`));
    for (const unit of this.unitNames) {
      await this.expectOk(
        this.run(unit, "zookeeper-relation-broken", { relationId: relation.id, remoteApp: app }),
      );
    }
    delete this.model.relations[relation.id];
  }

  /** Runs an action on `unit`; returns its record (status, message, results). */
  async runAction(unit: string, name: string, params: Record<string, unknown> = {}): Promise<ActionRecord> {
    const action = addAction(this.model, unit, name, params);
    const run = await this.run(unit, name, { kind: "action", actionId: action.id });
    if (run.code !== 0 && action.status === "running") {
      action.status = "failed";
      action.message = `exit status ${run.code}`;
    } else if (action.status === "running") action.status = action.failed ? "failed" : "completed";
    return action;
  }

  /** Runs a relation hook of the peer relation. */
  peerHook(
    unit: string,
    kind: "created" | "joined" | "changed" | "departed",
    remote?: string,
    options: { failAfter?: boolean } = {},
  ) {
    if (kind === "joined" && remote) this.seen(unit).add(remote);
    if (kind === "departed" && remote) this.seen(unit).delete(remote);
    return this.run(
      unit,
      `cluster-relation-${kind}`,
      {
        relationId: this.peers.id,
        remoteUnit: remote,
        remoteApp: APP,
        ...(kind === "departed" ? { departingUnit: remote } : {}),
      },
      options,
    );
  }

  /** What Juju runs on a new unit, in order, up to start (relation hooks of the peers not included). */
  async install(unit: string): Promise<void> {
    for (const hook of ["install", "leader-settings-changed", "config-changed", "start"]) {
      const name = hook === "leader-settings-changed" && this.leader === unit ? "leader-elected" : hook;
      await this.expectOk(this.run(unit, name));
    }
  }

  /**
   * `juju remove-unit`, as Juju 3.6 orders it: the unit is dying at once (goal-state says so, and its
   * peers run relation-departed for it right away); the dying unit runs data-storage-detaching first,
   * then relation-departed for each peer, naming itself as departing, then stop; then it is gone.
   */
  async removeUnit(unit: string, { peersFirst = true } = {}): Promise<void> {
    this.model.units[unit]!.life = "dying";
    const others = this.unitNames.filter((other) => other !== unit);
    const peersDepart = async () => {
      for (const other of others) {
        if (!this.seen(other).has(unit)) continue;
        await this.expectOk(this.peerHookDeparting(other, unit, unit));
      }
    };
    if (peersFirst) await peersDepart();
    await this.expectOk(
      this.run(unit, "data-storage-detaching", { storageId: `data/${unit.split("/")[1]}` }),
    );
    for (const other of [...this.seen(unit)]) await this.expectOk(this.peerHookDeparting(unit, other, unit));
    await this.expectOk(this.run(unit, "stop"));
    if (!peersFirst) await peersDepart();
    // The machine goes away with the unit (tests assert what the charm itself stopped before).
    this.machine(unit).crash();
    this.peers.scope = this.peers.scope.filter((member) => member !== unit);
    delete this.model.units[unit];
    if (this.leader === unit) this.leader = undefined;
  }

  private peerHookDeparting(unit: string, remote: string, departing: string): Promise<HookRun> {
    this.seen(unit).delete(remote);
    return this.run(unit, "cluster-relation-departed", {
      relationId: this.peers.id,
      remoteUnit: remote,
      remoteApp: APP,
      departingUnit: departing,
    });
  }

  /** Makes `unit` the leader and runs its leader-elected hook. */
  async elect(unit: string): Promise<void> {
    this.leader = unit;
    await this.expectOk(this.run(unit, "leader-elected"));
  }

  /** Runs relation-joined (then -changed) on every unit for every peer it has not seen yet. */
  async joinAll(): Promise<void> {
    for (const unit of this.unitNames) {
      for (const remote of this.unitNames) {
        if (remote === unit || this.seen(unit).has(remote)) continue;
        await this.expectOk(this.peerHook(unit, "joined", remote));
        await this.expectOk(this.peerHook(unit, "changed", remote));
      }
    }
  }

  /**
   * Runs cluster-relation-changed on every unit, over and over, until a round changes nothing in the
   * model's bags: what Juju's relation hooks would do after each write.
   */
  async settle(maxRounds = 20): Promise<number> {
    for (let round = 1; round <= maxRounds; round += 1) {
      const before = this.fingerprint();
      for (const unit of this.unitNames) {
        const remote = this.unitNames.find((other) => other !== unit && this.seen(unit).has(other));
        await this.expectOk(
          remote ? this.peerHook(unit, "changed", remote) : this.run(unit, "update-status"),
        );
      }
      if (this.fingerprint() === before) return round;
    }
    throw new Error(`no steady state after ${maxRounds} rounds: ${this.membership()}`);
  }

  async expectOk(run: Promise<HookRun>): Promise<HookRun> {
    const result = await run;
    if (result.code !== 0)
      throw new Error(`${result.unit} ${result.hook} failed:\n${result.logs.join("\n")}`);
    return result;
  }

  private fingerprint(): string {
    return JSON.stringify([
      this.peers.appBags,
      this.peers.unitBags,
      this.membership(),
      this.unitNames.map((unit) => [this.status(unit), this.machine(unit).serviceActive()]),
    ]);
  }

  private ports(unit: string) {
    return { machine: this.machine(unit), ensemble: this.zookeeper, clock: this.clock };
  }

  private env(unit: string, hook: HookDescriptor, contextId: string): NodeJS.ProcessEnv {
    return hookEnvironment(this.model, this.model.units[unit]!, hook, {
      contextId,
      socketAddress: "",
      charmDir: this.charmDir(unit),
    });
  }
}
