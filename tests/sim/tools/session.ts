/**
 * The per-hook state behind the hook tools: what Juju's uniter keeps in its `HookContext`
 * (J:internal/worker/uniter/runner/context/context.go) for the life of one hook or action.
 *
 * Reads of controller data are cached the way Juju caches them (config, remote relation settings,
 * leader settings, unit status, charm state); writes that Juju buffers until `Flush` are held here
 * and applied by the commit functions of each tool group. Immediate effects are written straight
 * into the model.
 */
import type { ActionRecord, Application, Model, Relation, StatusRecord, Unit } from "../model";
import { appOfUnit, effectiveConfig, endpointOf, remoteAppOf } from "../model";

export interface HookDescriptor {
  readonly kind: "hook" | "action";
  /** Full hook name ("cluster-relation-joined") or action name. */
  readonly name: string;
  readonly relationId?: number;
  readonly remoteUnit?: string;
  readonly remoteApp?: string;
  readonly departingUnit?: string;
  readonly secretId?: string;
  readonly secretLabel?: string;
  readonly secretRevision?: number;
  readonly storageId?: string;
  /** Key into model.actions. */
  readonly actionId?: string;
}

/** The unit agent's local view, provided by the agent code. */
export interface UnitView {
  /** Relation ids this unit may address (entered scope, not yet fully broken; the hook's own relation stays addressable during its relation-broken). */
  relationIds(): number[];
  /** Remote units in this unit's local view of the relation, as relation-list must print them. */
  members(relationId: number): string[];
}

export interface ToolIO {
  /** The tool's stdin (read lazily, only by tools that take `-`). */
  readStdin(): string;
  /** A file as the hook sees it (relative paths are relative to the hook's cwd). */
  readFile(path: string): string;
  /** For -o/--output. */
  writeFile(path: string, data: string): void;
}

export type RebootPriority = "after-hook" | "now";

export interface SessionOptions {
  readonly contextId: string;
  readonly now: () => Date;
  /** Called by `juju-reboot`; without it the tool fails (the emulator has no reboots by default). */
  readonly onReboot?: (priority: RebootPriority) => void;
}

/** A unit's or application's own databag as the hook sees it: committed copy + this hook's writes. */
export class LocalBag {
  readonly base: Readonly<Record<string, string>>;
  readonly current: Record<string, string>;

  constructor(committed: Readonly<Record<string, string>>) {
    this.base = { ...committed };
    this.current = { ...committed };
  }

  /** Keys whose value this hook changed: value, or null for a deletion (Juju's FinalSettings). */
  diff(): Map<string, string | null> {
    const changes = new Map<string, string | null>();
    for (const [key, value] of Object.entries(this.current)) {
      if (this.base[key] !== value) changes.set(key, value);
    }
    for (const key of Object.keys(this.base)) {
      if (!(key in this.current)) changes.set(key, null);
    }
    return changes;
  }
}

export interface PortRange {
  readonly from: number;
  readonly to: number;
  readonly protocol: string;
}

export interface PendingSecretCreate {
  readonly id: string;
  readonly ownerKind: "application" | "unit";
  label: string | undefined;
  readonly description: string | undefined;
  readonly expire: string | undefined;
  readonly rotate: string | undefined;
  readonly content: Readonly<Record<string, string>>;
}

export interface PendingSecretUpdate {
  readonly id: string;
  label?: string;
  description?: string;
  expire?: string;
  rotate?: string;
  content?: Readonly<Record<string, string>>;
}

export interface PendingSecretGrant {
  readonly id: string;
  readonly relationId: number;
  /** Application name, or a unit name for `--unit`. */
  readonly target: string;
}

export interface PendingSecretRevoke {
  readonly id: string;
  readonly target: string;
}

export class SecretChanges {
  readonly creates = new Map<string, PendingSecretCreate>();
  readonly updates = new Map<string, PendingSecretUpdate>();
  /** id → revisions to remove, or "all". */
  readonly removes = new Map<string, Set<number> | "all">();
  readonly grants: PendingSecretGrant[] = [];
  readonly revokes: PendingSecretRevoke[] = [];
  /** `--refresh` of a secret updated in this hook: track the new revision after commit. */
  readonly trackLatest = new Set<string>();
}

/** Juju's relation key (state relationKey): endpoints "app:endpoint", requirer, provider, peer order. */
export function relationKey(relation: Relation): string {
  const order = { requirer: 0, provider: 1, peer: 2 } as const;
  return [...relation.endpoints]
    .sort(
      (a, b) =>
        order[a.role] - order[b.role] || `${a.app}:${a.endpoint}`.localeCompare(`${b.app}:${b.endpoint}`),
    )
    .map((endpoint) => `${endpoint.app}:${endpoint.endpoint}`)
    .join(" ");
}

/** names.NewRelationTag(key).String(). */
export function relationTag(relation: Relation): string {
  return `relation-${relationKey(relation).replaceAll(":", ".").replaceAll(" ", "#")}`;
}

const APP_SNIPPET = "[a-z][a-z0-9]*(?:-[a-z0-9]*[a-z][a-z0-9]*)*";
const NUMBER_SNIPPET = "(?:0|[1-9][0-9]*)";
const APP_NAME = new RegExp(`^${APP_SNIPPET}$`);
const UNIT_NAME = new RegExp(`^${APP_SNIPPET}/${NUMBER_SNIPPET}$`);
const STORAGE_ID = new RegExp(`^${APP_SNIPPET}/${NUMBER_SNIPPET}$`);

/** names.IsValidApplication. */
export function isValidApplication(name: string): boolean {
  return APP_NAME.test(name);
}

/** names.IsValidUnit. */
export function isValidUnit(name: string): boolean {
  return UNIT_NAME.test(name);
}

/** names.IsValidStorage. */
export function isValidStorage(id: string): boolean {
  return STORAGE_ID.test(id);
}

export class HookSession {
  readonly appName: string;
  readonly contextId: string;
  readonly onReboot: ((priority: RebootPriority) => void) | undefined;
  /** Config as Juju hands it to the hook: every option, null when unset and without default. */
  readonly config: Readonly<Record<string, unknown>>;
  /** Leadership when the context was created (Juju fetches secret metadata with it). */
  readonly leaderAtStart: boolean;

  private minion = false;
  private readonly clock: () => Date;

  // relations
  readonly remoteUnitSettings = new Map<number, Map<string, Readonly<Record<string, string>>>>();
  readonly remoteAppSettings = new Map<number, Map<string, Readonly<Record<string, string>>>>();
  readonly ownUnitBags = new Map<number, LocalBag>();
  readonly ownAppBags = new Map<number, LocalBag>();

  // other caches (Juju caches these on first read)
  statusCache: StatusRecord | undefined;
  leaderSettingsCache: Record<string, string> | undefined;
  charmState: Record<string, string> | undefined;
  charmStateDirty = false;

  // buffered effects
  readonly pendingOpen = new Map<string, PortRange[]>();
  readonly pendingClose = new Map<string, PortRange[]>();
  readonly storageAdds: { name: string; count: number }[] = [];
  readonly secrets = new SecretChanges();
  /** Secret ids this unit owns per Juju's metadata fetched at context creation. */
  readonly ownedAtStart: ReadonlySet<string>;

  constructor(
    readonly model: Model,
    readonly unitName: string,
    readonly hook: HookDescriptor,
    readonly view: UnitView,
    options: SessionOptions,
  ) {
    const unit = model.units[unitName];
    if (!unit) throw new Error(`unknown unit ${unitName}`);
    this.appName = unit.app;
    this.contextId = options.contextId;
    this.clock = options.now;
    this.onReboot = options.onReboot;
    const app = this.app();
    const config: Record<string, unknown> = {};
    for (const name of Object.keys(app.charm.config)) config[name] = null;
    Object.assign(config, structuredClone(effectiveConfig(app)));
    this.config = config;
    this.leaderAtStart = app.leader === unitName;
    const owned = new Set<string>();
    for (const secret of Object.values(model.secrets)) {
      if (secret.ownerKind === "unit" && secret.ownerUnit === unitName) owned.add(secret.id);
      // GetSecretMetadata lists application-owned secrets for the leader only.
      if (secret.ownerKind === "application" && secret.ownerApp === this.appName && this.leaderAtStart) {
        owned.add(secret.id);
      }
    }
    this.ownedAtStart = owned;
  }

  now(): Date {
    return this.clock();
  }

  nowIso(): string {
    return this.now().toISOString();
  }

  unit(): Unit {
    const unit = this.model.units[this.unitName];
    if (!unit) throw new Error(`unit "${this.unitName}" not found`);
    return unit;
  }

  app(): Application {
    const app = this.model.applications[this.appName];
    if (!app) throw new Error(`application "${this.appName}" not found`);
    return app;
  }

  /**
   * leader.go `IsLeader`: the lease is claimed on every call, but once the context has seen
   * "not leader" it stays a minion for the rest of the hook (`isMinion` is sticky).
   */
  isLeader(): boolean {
    if (this.minion) return false;
    const leader = this.model.applications[this.appName]?.leader === this.unitName;
    if (!leader) this.minion = true;
    return leader;
  }

  action(): ActionRecord | undefined {
    if (this.hook.kind !== "action" || this.hook.actionId === undefined) return undefined;
    return this.model.actions[this.hook.actionId];
  }

  /** `ActionParams()` and friends: fail outside an action. */
  requireAction(): ActionRecord {
    const action = this.action();
    if (!action) throw new Error("not running an action");
    return action;
  }

  // --- relations ---------------------------------------------------------------------------

  /** `ctx.Relation(id)`: only relations in the unit's context; otherwise "relation not found". */
  relation(id: number): Relation {
    const relation = this.view.relationIds().includes(id) ? this.model.relations[id] : undefined;
    if (!relation) throw new Error("relation not found");
    return relation;
  }

  hasRelation(id: number): boolean {
    return this.view.relationIds().includes(id) && this.model.relations[id] !== undefined;
  }

  /** The hook's relation, when it is in the context (`HookRelation()`). */
  hookRelationId(): number | undefined {
    const id = this.hook.relationId;
    return id !== undefined && this.hasRelation(id) ? id : undefined;
  }

  /** The local endpoint name of a relation (`ContextRelation.Name()`). */
  endpointName(relation: Relation): string {
    return endpointOf(relation, this.appName)?.endpoint ?? "";
  }

  /** `FakeId()`: "<local endpoint>:<id>". */
  fakeId(relation: Relation): string {
    return `${this.endpointName(relation)}:${relation.id}`;
  }

  remoteAppName(relation: Relation): string {
    return remoteAppOf(relation, this.appName) ?? "";
  }

  /** JUJU_REMOTE_UNIT of the hook, if any. */
  remoteUnitName(): string | undefined {
    return this.hook.remoteUnit !== undefined && this.hook.remoteUnit !== ""
      ? this.hook.remoteUnit
      : undefined;
  }

  /** JUJU_REMOTE_APP of the hook, if any. */
  remoteApplicationName(): string | undefined {
    return this.hook.remoteApp !== undefined && this.hook.remoteApp !== "" ? this.hook.remoteApp : undefined;
  }

  ownUnitBag(relation: Relation): LocalBag {
    let bag = this.ownUnitBags.get(relation.id);
    if (!bag) {
      bag = new LocalBag(relation.unitBags[this.unitName]?.data ?? {});
      this.ownUnitBags.set(relation.id, bag);
    }
    return bag;
  }

  ownAppBag(relation: Relation): LocalBag {
    let bag = this.ownAppBags.get(relation.id);
    if (!bag) {
      bag = new LocalBag(relation.appBags[this.appName]?.data ?? {});
      this.ownAppBags.set(relation.id, bag);
    }
    return bag;
  }

  // --- charm state -------------------------------------------------------------------------

  /** ensureCharmStateLoaded: the unit's state is read once and then served from the cache. */
  state(): Record<string, string> {
    if (!this.charmState) this.charmState = { ...this.unit().state };
    return this.charmState;
  }

  // --- misc --------------------------------------------------------------------------------

  unitAppOf(unit: string): string {
    return appOfUnit(unit);
  }
}
