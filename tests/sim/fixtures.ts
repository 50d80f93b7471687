/**
 * Small in-memory models for emulator tests: applications with units, relations with units in
 * scope (and Juju's default unit databag keys), a scope-based UnitView and an in-memory ToolIO.
 */
import type { ToolIO, UnitView } from "./hook-context";
import {
  type ActionRecord,
  type Application,
  type Charm,
  type CharmMeta,
  type ConfigOptionDecl,
  type Model,
  newModel,
  type Relation,
  type RelationEndpoint,
  type StatusRecord,
  type Unit,
} from "./model";

export const FIXED_TIME = "2025-01-01T00:00:00.000Z";

function status(value: string, message = ""): StatusRecord {
  return { status: value, message, since: FIXED_TIME };
}

export function emptyModel(): Model {
  return newModel("dev", "cdac5656-2423-4f7d-8f2b-1e0f2a3b4c5d", "3.6.4");
}

export function charm(
  name: string,
  meta: Partial<Omit<CharmMeta, "name">>,
  options: Partial<Charm> = {},
): Charm {
  return {
    dir: `/charms/${name}`,
    meta: {
      name,
      peers: meta.peers ?? {},
      provides: meta.provides ?? {},
      requires: meta.requires ?? {},
      storage: meta.storage ?? {},
      extraBindings: meta.extraBindings ?? [],
    },
    config: options.config ?? {},
    actions: options.actions ?? {},
    revision: options.revision ?? 0,
  };
}

export const ZOOKEEPER_CONFIG: Readonly<Record<string, ConfigOptionDecl>> = {
  "tick-time": { type: "int", default: 2000 },
  "init-limit": { type: "int", default: 5 },
  "log-level": { type: "string", default: "INFO" },
  "sync-ratio": { type: "float", default: 0.5 },
  "enable-tls": { type: "boolean", default: false },
  "extra-args": { type: "string" },
};

export function zookeeperCharm(): Charm {
  return charm(
    "zookeeper",
    {
      peers: { cluster: { interface: "zookeeper-cluster" }, restart: { interface: "rolling" } },
      provides: { zookeeper: { interface: "zookeeper" } },
      requires: { certificates: { interface: "tls-certificates", limit: 1, optional: true } },
      storage: { data: { type: "filesystem", location: "/var/snap/zookeeper/common" } },
      extraBindings: ["admin"],
    },
    {
      config: ZOOKEEPER_CONFIG,
      actions: { "get-super-password": {}, "set-password": { params: { username: { type: "string" } } } },
    },
  );
}

export function kafkaCharm(): Charm {
  return charm("kafka", { requires: { zookeeper: { interface: "zookeeper" } } });
}

/** Adds an application and `count` units (machine n, address 127.0.<app index>.<n+1>). */
export function addApplication(
  model: Model,
  name: string,
  appCharm: Charm,
  count: number,
  leader = 0,
): Application {
  const app: Application = {
    name,
    charm: appCharm,
    config: {},
    leader: undefined,
    nextUnitNumber: 0,
    status: undefined,
    workloadVersion: "",
    leaderSettings: { data: {}, version: 0 },
    configVersion: 0,
  };
  model.applications[name] = app;
  const appIndex = Object.keys(model.applications).length;
  for (let i = 0; i < count; i++) addUnit(model, name, `127.0.${appIndex}.${i + 1}`);
  if (count > 0) app.leader = `${name}/${leader}`;
  return app;
}

export function addUnit(model: Model, app: string, address: string): Unit {
  const application = model.applications[app];
  if (!application) throw new Error(`no application ${app}`);
  const number = application.nextUnitNumber++;
  const machine = String(model.nextMachineId++);
  model.machines[machine] = { id: machine, address, dir: `/machines/${machine}` };
  const unit: Unit = {
    name: `${app}/${number}`,
    app,
    number,
    machine,
    address,
    life: "alive",
    workloadStatus: status("unknown"),
    agentStatus: status("idle"),
    state: {},
    openedPorts: [],
    storage: [],
    statusSetByCharm: false,
  };
  model.units[unit.name] = unit;
  return unit;
}

/** The keys Juju puts in a unit's bag when it enters scope. */
export function defaultUnitBag(address: string): Record<string, string> {
  return { "egress-subnets": `${address}/32`, "ingress-address": address, "private-address": address };
}

/** Creates a relation and puts `members` in scope (with Juju's default bag keys). */
export function addRelation(
  model: Model,
  endpoints: RelationEndpoint[],
  members: readonly string[],
  iface = "test",
): Relation {
  const id = model.nextRelationId++;
  const relation: Relation = {
    id,
    interface: iface,
    endpoints,
    life: "alive",
    appBags: Object.fromEntries(endpoints.map((endpoint) => [endpoint.app, { data: {}, version: 0 }])),
    unitBags: {},
    scope: [],
  };
  model.relations[id] = relation;
  for (const member of members) enterScope(model, relation, member);
  return relation;
}

export function enterScope(model: Model, relation: Relation, unit: string): void {
  const address = model.units[unit]?.address ?? "0.0.0.0";
  if (!relation.scope.includes(unit)) relation.scope.push(unit);
  relation.unitBags[unit] ??= { data: defaultUnitBag(address), version: 1 };
}

/** A view derived from relation scopes: the unit's relations, other members in scope. */
export function scopeView(model: Model, unit: string): UnitView {
  return {
    relationIds: () =>
      Object.values(model.relations)
        .filter((relation) => relation.scope.includes(unit))
        .map((relation) => relation.id),
    members: (id) => model.relations[id]?.scope.filter((member) => member !== unit) ?? [],
  };
}

export class MemoryIO implements ToolIO {
  readonly files = new Map<string, string>();
  readonly written = new Map<string, string>();
  stdin = "";
  stdinReads = 0;

  constructor(files: Record<string, string> = {}, stdin = "") {
    for (const [path, data] of Object.entries(files)) this.files.set(path, data);
    this.stdin = stdin;
  }

  readStdin(): string {
    this.stdinReads++;
    return this.stdin;
  }

  readFile(path: string): string {
    const data = this.files.get(path);
    if (data === undefined) {
      throw Object.assign(new Error(`ENOENT: no such file or directory, open '${path}'`), { code: "ENOENT" });
    }
    return data;
  }

  writeFile(path: string, data: string): void {
    this.written.set(path, data);
  }
}

export function addAction(
  model: Model,
  unit: string,
  name: string,
  params: Record<string, unknown> = {},
): ActionRecord {
  const id = String(model.nextActionId++);
  const action: ActionRecord = {
    id,
    unit,
    name,
    params,
    status: "running",
    message: "",
    results: {},
    logs: [],
    enqueued: FIXED_TIME,
    started: FIXED_TIME,
  };
  model.actions[id] = action;
  return action;
}

/**
 * The standard fixture: zookeeper/0..2 (leader zookeeper/0) with peer relations cluster (id 0)
 * and restart (id 1), kafka/0..1 (leader kafka/0) related as zookeeper:zookeeper ↔ kafka:zookeeper
 * (id 2) with zookeeper/0, zookeeper/1 and kafka/0 in scope (kafka/1 never joined), and storage
 * data/0 attached to zookeeper/0.
 */
export function fixtureModel(): Model {
  const model = emptyModel();
  addApplication(model, "zookeeper", zookeeperCharm(), 3);
  addApplication(model, "kafka", kafkaCharm(), 2);
  addRelation(
    model,
    [{ app: "zookeeper", endpoint: "cluster", role: "peer" }],
    ["zookeeper/0", "zookeeper/1", "zookeeper/2"],
    "zookeeper-cluster",
  );
  addRelation(
    model,
    [{ app: "zookeeper", endpoint: "restart", role: "peer" }],
    ["zookeeper/0", "zookeeper/1", "zookeeper/2"],
    "rolling",
  );
  addRelation(
    model,
    [
      { app: "zookeeper", endpoint: "zookeeper", role: "provider" },
      { app: "kafka", endpoint: "zookeeper", role: "requirer" },
    ],
    ["zookeeper/0", "zookeeper/1", "kafka/0"],
    "zookeeper",
  );
  model.storage["data/0"] = {
    id: "data/0",
    name: "data",
    kind: "filesystem",
    location: "/var/snap/zookeeper/common",
    hostDir: "/host/storage/data-0",
    unit: "zookeeper/0",
  };
  (model.units["zookeeper/0"] as Unit).storage.push("data/0");
  model.nextStorageIndex.data = 1;
  return model;
}
