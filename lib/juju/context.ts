/**
 * The hook context Juju hands a charm through its environment (juju-contract §1.3).
 * Parsed once per dispatch, validated, and frozen; everything else receives it as a value.
 */

export type RelationHookKind =
  | "relation-created"
  | "relation-joined"
  | "relation-changed"
  | "relation-departed"
  | "relation-broken";
export type StorageHookKind = "storage-attached" | "storage-detaching";
export type SecretHookKind = "secret-changed" | "secret-rotate" | "secret-expired" | "secret-remove";
export type SimpleHookKind =
  | "install"
  | "start"
  | "stop"
  | "remove"
  | "config-changed"
  | "upgrade-charm"
  | "update-status"
  | "leader-elected"
  | "leader-settings-changed"
  | "pre-series-upgrade"
  | "post-series-upgrade"
  | "collect-metrics"
  | "meter-status-changed";

/**
 * `custom`: a charm's own event, dispatched from outside a hook (`juju-exec <unit>
 * JUJU_DISPATCH_PATH=hooks/<name> ./dispatch`, JUJU_HOOK_NAME exported empty), as ops emits it.
 */
export type EventKind =
  | SimpleHookKind
  | RelationHookKind
  | StorageHookKind
  | SecretHookKind
  | "action"
  | "custom";

export interface RelationInfo {
  /** The local endpoint name, e.g. `cluster`. */
  readonly endpoint: string;
  /** The model-wide relation id (the integer after the last `:` of JUJU_RELATION_ID). */
  readonly id: number;
  /**
   * The remote application (the local application for peer relations). Undefined only in
   * relation-broken, where Juju may export it empty: after an agent restart the uniter's relation
   * state knows no remote application (LP 1960934; ops only checks that the variable exists).
   */
  readonly remoteApp: string | undefined;
  /** Empty for relation-created, relation-broken and application-level relation-changed. */
  readonly remoteUnit: string | undefined;
  /** Only for relation-departed: the unit that leaves (possibly this unit). */
  readonly departingUnit: string | undefined;
}

export interface SecretEventInfo {
  readonly id: string;
  readonly label: string | undefined;
  readonly revision: number | undefined;
}

export interface ActionInfo {
  readonly name: string;
  readonly id: string;
}

export interface StorageInfo {
  /** `<name>/<index>`, e.g. `data/0`. */
  readonly id: string;
  readonly name: string;
  readonly index: number;
  readonly location: string | undefined;
  readonly kind: string | undefined;
}

export interface JujuContext {
  readonly kind: EventKind;
  /** The hook name (`cluster-relation-joined`) or, for actions, the action name. */
  readonly eventName: string;
  readonly dispatchPath: string;
  /** `""` for actions, as Juju sets it. */
  readonly hookName: string;
  readonly unitName: string;
  readonly appName: string;
  readonly unitNumber: number;
  readonly modelName: string;
  readonly modelUuid: string;
  readonly jujuVersion: string;
  readonly charmDir: string;
  readonly contextId: string;
  readonly agentSocketAddress: string;
  readonly agentSocketNetwork: string;
  readonly apiAddresses: readonly string[];
  readonly machineId: string;
  readonly principalUnit: string;
  readonly availabilityZone: string;
  readonly relation: RelationInfo | undefined;
  readonly secret: SecretEventInfo | undefined;
  readonly action: ActionInfo | undefined;
  readonly storage: StorageInfo | undefined;
  /** JUJU_DEBUG is set (a debug-hooks session). */
  readonly debug: boolean;
}

export class ContextError extends Error {
  constructor(message: string) {
    super(`juju context: ${message}`);
    this.name = "ContextError";
  }
}

const SIMPLE_HOOKS: ReadonlySet<string> = new Set<SimpleHookKind>([
  "install",
  "start",
  "stop",
  "remove",
  "config-changed",
  "upgrade-charm",
  "update-status",
  "leader-elected",
  "leader-settings-changed",
  "pre-series-upgrade",
  "post-series-upgrade",
  "collect-metrics",
  "meter-status-changed",
]);
const RELATION_SUFFIX = /^(?<endpoint>.+)-(?<kind>relation-(?:created|joined|changed|departed|broken))$/;
const STORAGE_SUFFIX = /^(?<name>.+)-(?<kind>storage-(?:attached|detaching))$/;
const SECRET_HOOK = /^secret-(?:changed|rotate|expired|remove)$/;
const UNIT_NAME = /^(?<app>[a-z][a-z0-9-]*)\/(?<num>0|[1-9][0-9]*)$/;

type Env = Readonly<Record<string, string | undefined>>;

function required(env: Env, name: string): string {
  const value = env[name];
  if (value === undefined || value === "") throw new ContextError(`${name} is not set`);
  return value;
}

/** Present (Juju exports it) but possibly empty. */
function exported(env: Env, name: string): string {
  const value = env[name];
  if (value === undefined) throw new ContextError(`${name} is not exported`);
  return value;
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value === "" ? undefined : value;
}

function parseRelationId(raw: string): number {
  // Juju 3 takes the integer after the last ':' (juju-contract §2.4).
  const tail = raw.slice(raw.lastIndexOf(":") + 1);
  if (!/^\d+$/.test(tail))
    throw new ContextError(`JUJU_RELATION_ID ${JSON.stringify(raw)} has no relation number`);
  return Number(tail);
}

function classify(dispatchPath: string): { kind: EventKind; eventName: string } {
  const slash = dispatchPath.lastIndexOf("/");
  const dir = dispatchPath.slice(0, slash).split("/").pop() ?? "";
  const name = dispatchPath.slice(slash + 1);
  if (name === "")
    throw new ContextError(`JUJU_DISPATCH_PATH ${JSON.stringify(dispatchPath)} names no event`);
  if (dir === "actions") return { kind: "action", eventName: name };
  if (dir !== "hooks") {
    throw new ContextError(
      `JUJU_DISPATCH_PATH ${JSON.stringify(dispatchPath)} is neither hooks/<name> nor actions/<name>`,
    );
  }
  if (SIMPLE_HOOKS.has(name)) return { kind: name as SimpleHookKind, eventName: name };
  const relation = RELATION_SUFFIX.exec(name);
  if (relation?.groups) return { kind: relation.groups.kind as RelationHookKind, eventName: name };
  const storage = STORAGE_SUFFIX.exec(name);
  if (storage?.groups) return { kind: storage.groups.kind as StorageHookKind, eventName: name };
  if (SECRET_HOOK.test(name)) return { kind: name as SecretHookKind, eventName: name };
  if (/^[a-z][a-z0-9-]*$/.test(name)) return { kind: "custom", eventName: name };
  throw new ContextError(`unknown hook ${JSON.stringify(name)}`);
}

function relationInfo(env: Env, kind: EventKind, eventName: string): RelationInfo | undefined {
  if (!kind.startsWith("relation-")) return undefined;
  const endpoint = required(env, "JUJU_RELATION");
  if (eventName !== `${endpoint}-${kind}`) {
    throw new ContextError(`JUJU_RELATION ${JSON.stringify(endpoint)} does not match hook ${eventName}`);
  }
  const id = parseRelationId(required(env, "JUJU_RELATION_ID"));
  // HookVars exports JUJU_REMOTE_APP in every relation hook, possibly empty
  // (internal/worker/uniter/runner/context/context.go); only relation-broken may see it empty.
  const remoteApp =
    kind === "relation-broken"
      ? nonEmpty(exported(env, "JUJU_REMOTE_APP"))
      : required(env, "JUJU_REMOTE_APP");
  const needsRemoteUnit = kind === "relation-joined" || kind === "relation-departed";
  const remoteUnit = needsRemoteUnit
    ? required(env, "JUJU_REMOTE_UNIT")
    : kind === "relation-changed"
      ? nonEmpty(exported(env, "JUJU_REMOTE_UNIT"))
      : nonEmpty(env.JUJU_REMOTE_UNIT);
  const departingUnit = kind === "relation-departed" ? required(env, "JUJU_DEPARTING_UNIT") : undefined;
  return Object.freeze({ endpoint, id, remoteApp, remoteUnit, departingUnit });
}

function secretInfo(env: Env, kind: EventKind): SecretEventInfo | undefined {
  if (!kind.startsWith("secret-")) return undefined;
  const id = required(env, "JUJU_SECRET_ID");
  const rawRevision = nonEmpty(env.JUJU_SECRET_REVISION);
  if ((kind === "secret-expired" || kind === "secret-remove") && rawRevision === undefined) {
    throw new ContextError(`JUJU_SECRET_REVISION is not set for ${kind}`);
  }
  if (rawRevision !== undefined && !/^[1-9]\d*$/.test(rawRevision)) {
    throw new ContextError(`JUJU_SECRET_REVISION ${JSON.stringify(rawRevision)} is not a positive integer`);
  }
  return Object.freeze({
    id,
    label: nonEmpty(env.JUJU_SECRET_LABEL),
    revision: rawRevision === undefined ? undefined : Number(rawRevision),
  });
}

function storageInfo(env: Env, kind: EventKind): StorageInfo | undefined {
  if (!kind.startsWith("storage-")) return undefined;
  const id = required(env, "JUJU_STORAGE_ID");
  const match = /^(?<name>.+)\/(?<index>\d+)$/.exec(id);
  if (!match?.groups) throw new ContextError(`JUJU_STORAGE_ID ${JSON.stringify(id)} is not <name>/<index>`);
  return Object.freeze({
    id,
    name: match.groups.name!,
    index: Number(match.groups.index),
    location: nonEmpty(env.JUJU_STORAGE_LOCATION),
    kind: nonEmpty(env.JUJU_STORAGE_KIND),
  });
}

/** Reads and validates the hook context; throws {@link ContextError} naming the first missing variable. */
export function contextFromEnv(env: Env): JujuContext {
  const dispatchPath = required(env, "JUJU_DISPATCH_PATH");
  const { kind, eventName } = classify(dispatchPath);
  const hookName = exported(env, "JUJU_HOOK_NAME");
  if (kind === "custom" && hookName !== "") {
    throw new ContextError(`unknown hook ${JSON.stringify(eventName)}`);
  }
  if (kind !== "action" && kind !== "custom" && hookName !== eventName) {
    throw new ContextError(`JUJU_HOOK_NAME ${JSON.stringify(hookName)} does not match ${dispatchPath}`);
  }
  const unitName = required(env, "JUJU_UNIT_NAME");
  const unit = UNIT_NAME.exec(unitName);
  if (!unit?.groups)
    throw new ContextError(`JUJU_UNIT_NAME ${JSON.stringify(unitName)} is not <app>/<number>`);
  const action =
    kind === "action"
      ? Object.freeze({ name: required(env, "JUJU_ACTION_NAME"), id: required(env, "JUJU_ACTION_UUID") })
      : undefined;
  if (action && action.name !== eventName) {
    throw new ContextError(`JUJU_ACTION_NAME ${JSON.stringify(action.name)} does not match ${dispatchPath}`);
  }
  return Object.freeze({
    kind,
    eventName,
    dispatchPath,
    hookName,
    unitName,
    appName: unit.groups.app!,
    unitNumber: Number(unit.groups.num),
    modelName: required(env, "JUJU_MODEL_NAME"),
    modelUuid: required(env, "JUJU_MODEL_UUID"),
    jujuVersion: required(env, "JUJU_VERSION"),
    charmDir: env.JUJU_CHARM_DIR || env.CHARM_DIR || "",
    contextId: env.JUJU_CONTEXT_ID ?? "",
    agentSocketAddress: env.JUJU_AGENT_SOCKET_ADDRESS ?? "",
    agentSocketNetwork: env.JUJU_AGENT_SOCKET_NETWORK ?? "",
    apiAddresses: Object.freeze((env.JUJU_API_ADDRESSES ?? "").split(" ").filter((a) => a !== "")),
    machineId: env.JUJU_MACHINE_ID ?? "",
    principalUnit: env.JUJU_PRINCIPAL_UNIT ?? "",
    availabilityZone: env.JUJU_AVAILABILITY_ZONE ?? "",
    relation: relationInfo(env, kind, eventName),
    secret: secretInfo(env, kind),
    action,
    storage: storageInfo(env, kind),
    debug: nonEmpty(env.JUJU_DEBUG) !== undefined,
  });
}
