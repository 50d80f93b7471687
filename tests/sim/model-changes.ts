/**
 * Changes to the model's state that `juju` verbs make (integrate, remove-relation, config, storage
 * for a new unit), as functions of the model alone; the controller applies them and wakes the agents.
 */
import { join } from "node:path";
import { convertConfigValue } from "./juju-values";
import type { Application, Model, Relation, Unit } from "./model";

/** The application `name`, or Juju's error. */
export function application(model: Model, name: string): Application {
  const app = model.applications[name];
  if (!app) throw new Error(`application "${name}" not found`);
  return app;
}

/** `juju integrate a[:endpoint] b[:endpoint]`: the one matching provider/requirer pair; its id. */
export function addRelation(model: Model, first: string, second: string): number {
  const [appA, endpointA] = first.split(":") as [string, string | undefined];
  const [appB, endpointB] = second.split(":") as [string, string | undefined];
  const a = application(model, appA);
  const b = application(model, appB);
  const candidates: { provider: [string, string]; requirer: [string, string]; iface: string }[] = [];
  const consider = (
    prov: Application,
    provEp: string | undefined,
    req: Application,
    reqEp: string | undefined,
  ) => {
    for (const [pName, pDecl] of Object.entries(prov.charm.meta.provides)) {
      if (provEp && provEp !== pName) continue;
      for (const [rName, rDecl] of Object.entries(req.charm.meta.requires)) {
        if (reqEp && reqEp !== rName) continue;
        if (pDecl.interface === rDecl.interface) {
          candidates.push({
            provider: [prov.name, pName],
            requirer: [req.name, rName],
            iface: pDecl.interface,
          });
        }
      }
    }
  };
  consider(a, endpointA, b, endpointB);
  consider(b, endpointB, a, endpointA);
  if (candidates.length === 0) throw new Error(`no relations found`);
  if (candidates.length > 1) {
    throw new Error(
      `ambiguous relation: "${first} ${second}" could refer to ${candidates.map((c) => `"${c.provider.join(":")} ${c.requirer.join(":")}"`).join("; ")}`,
    );
  }
  const [chosen] = candidates as [(typeof candidates)[number]];
  const existing = Object.values(model.relations).find(
    (relation) =>
      relation.life === "alive" &&
      relation.endpoints.some((e) => e.app === chosen.provider[0] && e.endpoint === chosen.provider[1]) &&
      relation.endpoints.some((e) => e.app === chosen.requirer[0] && e.endpoint === chosen.requirer[1]),
  );
  if (existing)
    throw new Error(`relation ${chosen.provider.join(":")} ${chosen.requirer.join(":")} already exists`);
  const id = model.nextRelationId++;
  model.relations[id] = {
    id,
    interface: chosen.iface,
    endpoints: [
      { app: chosen.provider[0], endpoint: chosen.provider[1], role: "provider" },
      { app: chosen.requirer[0], endpoint: chosen.requirer[1], role: "requirer" },
    ],
    life: "alive",
    appBags: {
      [chosen.provider[0]]: { data: {}, version: 0 },
      [chosen.requirer[0]]: { data: {}, version: 0 },
    },
    unitBags: {},
    scope: [],
  };
  return id;
}

/** `juju remove-relation a b`: the relation is dying; every unit departs and breaks, then it goes. */
export function markRelationDying(model: Model, first: string, second: string): void {
  const matches = (spec: string, relation: Relation) => {
    const [app, endpoint] = spec.split(":");
    return relation.endpoints.some((e) => e.app === app && (!endpoint || e.endpoint === endpoint));
  };
  const relation = Object.values(model.relations).find(
    (candidate) =>
      candidate.endpoints.length === 2 && matches(first, candidate) && matches(second, candidate),
  );
  if (!relation) throw new Error(`relation "${first} ${second}" not found`);
  relation.life = "dying";
}

/** `juju config <app> k=v …` (strings converted to the option types); `reset` restores defaults. */
export function applyConfig(
  app: Application,
  values: Readonly<Record<string, string>>,
  reset: readonly string[],
): void {
  const converted: Record<string, unknown> = {};
  for (const [key, raw] of Object.entries(values)) converted[key] = convertConfigValue(app.charm, key, raw);
  for (const key of reset) {
    if (!app.charm.config[key]) throw new Error(`unknown option "${key}"`);
    delete app.config[key];
  }
  Object.assign(app.config, converted);
  app.configVersion += 1;
}

/** The filesystem storage a new unit gets, by the charm's storage declarations; their ids. */
export function createStorage(model: Model, unit: Unit, app: Application): string[] {
  const ids: string[] = [];
  for (const [name, decl] of Object.entries(app.charm.meta.storage)) {
    if (decl.type !== "filesystem" || !decl.location) continue;
    const index = model.nextStorageIndex[name] ?? 0;
    model.nextStorageIndex[name] = index + 1;
    const id = `${name}/${index}`;
    model.storage[id] = {
      id,
      name,
      kind: "filesystem",
      location: decl.location,
      hostDir: join(model.machines[unit.machine]!.dir, "storage", `${name}-${index}`),
      unit: unit.name,
    };
    ids.push(id);
  }
  return ids;
}
