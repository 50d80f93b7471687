/**
 * relation-ids, relation-list, relation-get, relation-set, relation-model-get
 * (J:internal/worker/uniter/runner/jujuc/relation-*.go; read rules of juju-contract §3.3).
 */
import type { Relation } from "../model";
import { isPeer } from "../model";
import {
  type CommandBody,
  checkEmpty,
  fail,
  Output,
  type RunContext,
  readFileVar,
  relationIdFlag,
  type ToolDef,
} from "./command";
import { DEFAULT_FORMATTERS, GoStruct, goQuote, StringSlice, sortGoStrings } from "./go-value";
import { type HookSession, isValidApplication, isValidUnit, relationKey } from "./session";
import { parseStringMap } from "./yaml-input";

/** keyvalues.Parse(args, allowEmptyValues=true) from juju/utils v4 (trims key and value). */
export function parseKeyValues(args: readonly string[]): Map<string, string> {
  const result = new Map<string, string>();
  for (const arg of args) {
    if (arg === "") continue;
    const eq = arg.indexOf("=");
    if (eq < 0) fail(`expected "key=value", got ${goQuote(arg)}`);
    const key = arg.slice(0, eq).trim();
    const value = arg.slice(eq + 1).trim();
    if (key === "") fail(`expected "key=value", got "${key}=${value}"`);
    if (result.has(key)) fail(`key ${goQuote(key)} specified more than once`);
    result.set(key, value);
  }
  return result;
}

const relationIds: ToolDef = {
  name: "relation-ids",
  args: "<name>",
  purpose: "List all relation IDs for the given endpoint.",
  build(session, flags): CommandBody {
    const out = new Output(flags, "smart", DEFAULT_FORMATTERS);
    const hookRelation = session.hookRelationId();
    let name = hookRelation !== undefined ? session.endpointName(session.relation(hookRelation)) : "";
    return {
      init(args) {
        if (args.length > 0) {
          name = args[0] as string;
          checkEmpty(args.slice(1));
        } else if (name === "") {
          fail("no endpoint name specified");
        }
      },
      run(ctx) {
        const ids: string[] = [];
        // Juju >= 3.4 leaves the relation being broken out of relation-ids in its relation-broken
        // hook, so a charm counting its relations there does not count it.
        const broken =
          session.hook.kind === "hook" && session.hook.name.endsWith("-relation-broken")
            ? session.hook.relationId
            : undefined;
        for (const id of session.view.relationIds()) {
          const relation = session.model.relations[id];
          if (!relation || relation.life === "dead" || id === broken) continue;
          if (session.endpointName(relation) === name) ids.push(session.fakeId(relation));
        }
        out.write(ctx, new StringSlice(sortGoStrings(ids)));
      },
    };
  },
};

const relationList: ToolDef = {
  name: "relation-list",
  purpose: "list relation units",
  build(session, flags): CommandBody {
    const out = new Output(flags, "smart", DEFAULT_FORMATTERS);
    const relationId = relationIdFlag(session, flags, "Specify a relation by id");
    const app = flags.bool(["app"], "List remote application instead of participating units");
    return {
      init(args) {
        if (relationId.value === -1) fail("no relation id specified");
        checkEmpty(args);
      },
      run(ctx) {
        const relation = session.relation(relationId.value);
        if (app.value) {
          out.write(ctx, session.remoteAppName(relation));
          return;
        }
        out.write(ctx, new StringSlice(sortGoStrings(session.view.members(relation.id))));
      },
    };
  },
};

/** A remote unit's committed settings, read once per hook (RelationCache). */
function readRemoteUnitSettings(
  session: HookSession,
  relation: Relation,
  unit: string,
): Record<string, string> {
  let cache = session.remoteUnitSettings.get(relation.id);
  const cached = cache?.get(unit);
  if (cached) return { ...cached };
  // apiserver checkRemoteUnit: the unit's application must be an endpoint of the relation.
  if (unit === session.unitName) fail("permission denied");
  const app = session.unitAppOf(unit);
  if (!relation.endpoints.some((endpoint) => endpoint.app === app)) fail("permission denied");
  const bag = relation.unitBags[unit];
  if (!bag) {
    // state RelationUnit.ReadSettings annotation around a missing settings document.
    fail(
      `cannot read settings for unit ${goQuote(unit)} in relation ${goQuote(relationKey(relation))}: unit ${goQuote(unit)}: settings not found`,
    );
  }
  const snapshot = { ...bag.data };
  if (!cache) {
    cache = new Map();
    session.remoteUnitSettings.set(relation.id, cache);
  }
  cache.set(unit, snapshot);
  return { ...snapshot };
}

/** An application bag read through the controller (remote app, or own app by a peer non-leader). */
function readRemoteAppSettings(
  session: HookSession,
  relation: Relation,
  app: string,
): Record<string, string> {
  let cache = session.remoteAppSettings.get(relation.id);
  const cached = cache?.get(app);
  if (cached) return { ...cached };
  if (!relation.endpoints.some((endpoint) => endpoint.app === app)) fail("permission denied");
  // readLocalApplicationSettings: a non-leader may read its own application's bag only in a
  // peer relation.
  if (app === session.appName && !isPeer(relation)) fail("permission denied");
  const snapshot = { ...(relation.appBags[app]?.data ?? {}) };
  if (!cache) {
    cache = new Map();
    session.remoteAppSettings.set(relation.id, cache);
  }
  cache.set(app, snapshot);
  return { ...snapshot };
}

/** relation-get's `Run`: local copy for own unit / own app as leader, controller otherwise. */
export function readRelationSettings(
  session: HookSession,
  relation: Relation,
  target: string,
  application: boolean,
): Record<string, string> {
  let local = target === session.unitName;
  if (!local && target === session.appName && session.isLeader()) local = true;
  if (local) {
    return { ...(application ? session.ownAppBag(relation) : session.ownUnitBag(relation)).current };
  }
  return application
    ? readRemoteAppSettings(session, relation, target)
    : readRemoteUnitSettings(session, relation, target);
}

const relationGet: ToolDef = {
  name: "relation-get",
  args: "<key> <unit id>",
  purpose: "Get relation settings.",
  build(session, flags): CommandBody {
    const out = new Output(flags, "smart", DEFAULT_FORMATTERS);
    const relationId = relationIdFlag(session, flags, "Specify a relation by id");
    const app = flags.bool(["app"], "Get the relation data for the overall application, not just a unit");
    let key = "";
    let target = "";
    let application = false;
    return {
      init(args) {
        if (relationId.value === -1) fail("no relation id specified");
        const rest = [...args];
        if (rest.length > 0) {
          key = rest.shift() as string;
          if (key === "-") key = "";
        }
        application = app.value;
        // determineUnitOrAppName
        if (rest.length > 0) {
          const supplied = rest.shift() as string;
          if (application) {
            if (isValidApplication(supplied)) target = supplied;
            else if (isValidUnit(supplied)) target = session.unitAppOf(supplied);
          } else {
            if (!isValidUnit(supplied)) {
              if (isValidApplication(supplied))
                fail(`expected unit name, got application name ${goQuote(supplied)}`);
              fail(`invalid unit name ${goQuote(supplied)}`);
            }
            target = supplied;
          }
        } else if (application) {
          const remoteApp = session.remoteApplicationName();
          if (remoteApp === undefined) fail("no unit or application specified");
          target = remoteApp;
        } else {
          const remoteUnit = session.remoteUnitName();
          const remoteApp = session.remoteApplicationName();
          if (remoteUnit !== undefined) {
            target = remoteUnit;
          } else if (remoteApp !== undefined) {
            target = remoteApp;
            application = true;
          } else {
            fail("no unit or application specified");
          }
        }
        checkEmpty(rest);
      },
      run(ctx: RunContext) {
        const relation = session.relation(relationId.value);
        const settings = readRelationSettings(session, relation, target, application);
        if (key === "") {
          out.write(ctx, settings);
          return;
        }
        out.write(ctx, Object.hasOwn(settings, key) ? (settings[key] as string) : null);
      },
    };
  },
};

const relationSet: ToolDef = {
  name: "relation-set",
  args: "key=value [key=value ...]",
  purpose: "set relation settings",
  build(session, flags): CommandBody {
    const relationId = relationIdFlag(session, flags, "specify a relation by id");
    const file = flags.string(["file"], "file containing key-value pairs");
    const app = flags.bool(["app"], 'pick whether you are setting "application" settings or "unit" settings');
    const format = flags.string(["format"], "deprecated format flag");
    let overrides = new Map<string, string>();
    return {
      init(args) {
        if (relationId.value === -1) fail("no relation id specified");
        overrides = parseKeyValues(args);
      },
      run(ctx) {
        if (format.value !== "") ctx.stderr += `--format flag deprecated for command "relation-set"`;
        const settings = new Map<string, string>();
        if (file.value !== "") {
          for (const [key, value] of Object.entries(parseStringMap(readFileVar(ctx.io, file.value)))) {
            settings.set(key, value);
          }
        }
        for (const [key, value] of overrides) settings.set(key, value);
        const relation = session.relation(relationId.value);
        let bag: ReturnType<HookSession["ownUnitBag"]>;
        if (app.value) {
          if (!session.isLeader()) fail("cannot write relation settings");
          bag = session.ownAppBag(relation);
        } else {
          bag = session.ownUnitBag(relation);
        }
        for (const [key, value] of settings) {
          if (value !== "") bag.current[key] = value;
          else delete bag.current[key];
        }
      },
    };
  },
};

const relationModelGet: ToolDef = {
  name: "relation-model-get",
  purpose: "Get details about the model hosing a related application.",
  build(session, flags): CommandBody {
    const out = new Output(flags, "smart", DEFAULT_FORMATTERS);
    const relationId = relationIdFlag(session, flags, "Specify a relation by id");
    return {
      init(args) {
        if (relationId.value === -1) fail("no relation id specified");
        checkEmpty(args);
      },
      run(ctx) {
        session.relation(relationId.value);
        // Every relation of the emulator is a same-model relation.
        out.write(ctx, new GoStruct([["uuid", session.model.uuid]]));
      },
    };
  },
};

export const RELATION_TOOLS: readonly ToolDef[] = [
  relationIds,
  relationList,
  relationGet,
  relationSet,
  relationModelGet,
];

/** Buffered relation-set writes, applied only when the hook exits 0. */
export function prepareRelationCommit(session: HookSession): Array<() => void> {
  const steps: Array<() => void> = [];
  const appWrites = [...session.ownAppBags].filter(([, bag]) => bag.diff().size > 0);
  if (appWrites.length > 0 && session.model.applications[session.appName]?.leader !== session.unitName) {
    // The controller re-checks the leadership token when committing app-bag writes.
    fail(
      `cannot write relation settings: unit ${goQuote(session.unitName)} is not leader of application ${goQuote(session.appName)}`,
    );
  }
  const apply = (relationId: number, diff: Map<string, string | null>, own: "unit" | "app"): void => {
    const relation = session.model.relations[relationId];
    if (!relation || diff.size === 0) return;
    const owner = own === "unit" ? session.unitName : session.appName;
    const bags = own === "unit" ? relation.unitBags : relation.appBags;
    const bag = bags[owner];
    const before = bag?.data ?? {};
    const next = { ...before };
    for (const [key, value] of diff) {
      if (value === null) delete next[key];
      else next[key] = value;
    }
    const changed =
      Object.keys(next).length !== Object.keys(before).length ||
      Object.entries(next).some(([key, value]) => before[key] !== value);
    if (!changed) return;
    // Mutate the existing bag so holders of a reference see the commit; version drives
    // relation-changed on the other units.
    if (bag) {
      bag.data = next;
      bag.version += 1;
    } else {
      bags[owner] = { data: next, version: 1 };
    }
  };
  for (const [id, bag] of session.ownUnitBags) {
    const diff = bag.diff();
    steps.push(() => apply(id, diff, "unit"));
  }
  for (const [id, bag] of appWrites) {
    const diff = bag.diff();
    steps.push(() => apply(id, diff, "app"));
  }
  return steps;
}
