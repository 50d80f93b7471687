/**
 * A unit agent ("uniter"): keeps what its unit has seen of the model and picks the next hook the way
 * Juju 3.6 does (juju-contract §5.1, §5.2): storage-attached, install, relation-created, leadership
 * hooks, secret-changed, actions, the queued start, teardown when dying, config-changed, relation
 * hooks per relation (departed, broken, app-changed, joined then changed, changed), update-status.
 * What the unit has seen only advances when a hook succeeds, so a failed hook is retried as is.
 */
import { createHash } from "node:crypto";
import type { HookDescriptor, UnitView } from "./hook-context";
import {
  type Charm,
  effectiveConfig,
  endpointOf,
  isPeer,
  type Model,
  type Relation,
  remoteAppOf,
  type Unit,
} from "./model";
import { secretClock, secretExpiredRan, secretRotated } from "./secret-timers";

export interface RelationSeen {
  created: boolean;
  /** Remote units this unit knows, with the settings version it last handled. */
  members: Map<string, number>;
  /** Remote application bag versions handled. */
  apps: Map<string, number>;
  /** A unit whose relation-changed must follow its relation-joined. */
  changedPending: string | undefined;
  broken: boolean;
}

export interface NextHook {
  readonly kind: "hook";
  readonly hook: HookDescriptor;
  /** For upgrade-charm after `juju refresh`: the charm whose files the agent deploys first. */
  readonly deploy?: Charm;
  /** The relation members the hook's relation-list shows (joined includes, departed excludes). */
  readonly view: UnitView;
  /** Records the hook as handled; called only after it succeeded and committed. */
  readonly done: () => void;
}

export interface NextAction {
  readonly kind: "action";
  readonly actionId: string;
  readonly view: UnitView;
}

export type NextOp = NextHook | NextAction;

/** Everything a unit agent remembers between hooks (Juju keeps it in the agent's local state). */
export class UnitAgentState {
  installed = false;
  started = false;
  stopped = false;
  removed = false;
  /** The start hook follows the first config-changed. */
  startQueued = false;
  leaderElectedRun = false;
  leaderSettingsSeen = -1;
  configSeen: string | undefined;
  readonly relations = new Map<number, RelationSeen>();
  readonly storageAttached = new Set<string>();
  readonly storageDetached = new Set<string>();
  /** Secret id → latest revision this consumer was told about by secret-changed. */
  readonly secretsNotified = new Map<string, number>();
  /** `<secret id>/<revision>` the owner was told by secret-remove it may prune. */
  readonly removalsNotified = new Set<string>();
  updateStatusDue = 0;
  /** The charm's files were swapped for a new revision; upgrade-charm has not succeeded yet. */
  upgradePending = false;

  constructor(readonly unit: string) {}

  private relationSeen(id: number): RelationSeen {
    let seen = this.relations.get(id);
    if (!seen) {
      seen = {
        created: false,
        members: new Map(),
        apps: new Map(),
        changedPending: undefined,
        broken: false,
      };
      this.relations.set(id, seen);
    }
    return seen;
  }

  /**
   * The unit's view for tools: the relations it may address (created, not broken, plus the hook's
   * own relation, which stays addressable in its relation-created and relation-broken hooks) and
   * the members it knows (relation-joined shows the joining unit, relation-departed hides the leaver).
   */
  view(extra?: { relationId: number; include?: string; exclude?: string }): UnitView {
    return {
      relationIds: () => {
        const ids = [...this.relations.entries()]
          .filter(([, seen]) => seen.created && !seen.broken)
          .map(([id]) => id);
        if (extra && !ids.includes(extra.relationId)) ids.push(extra.relationId);
        return ids.sort((a, b) => a - b);
      },
      members: (relationId) => {
        const seen = this.relations.get(relationId);
        if (!seen || seen.broken) return [];
        const members = new Set(seen.members.keys());
        if (extra?.relationId === relationId) {
          if (extra.include) members.add(extra.include);
          if (extra.exclude) members.delete(extra.exclude);
        }
        return [...members].sort(compareUnits);
      },
    };
  }

  /** The next operation for this unit, or undefined when it is idle. */
  next(model: Model, now: number, updateStatusIntervalMs: number): NextOp | undefined {
    const unit = model.units[this.unit];
    if (!unit || this.removed) return undefined;
    const app = model.applications[unit.app]!;
    const dying = unit.life !== "alive";
    const hook = (descriptor: HookDescriptor, done: () => void, view = this.view()): NextHook => ({
      kind: "hook",
      hook: descriptor,
      view,
      done,
    });

    // Storage attachments run before install on machines.
    for (const id of unit.storage) {
      if (!this.storageAttached.has(id) && !dying) {
        const name = id.slice(0, id.indexOf("/"));
        return hook({ kind: "hook", name: `${name}-storage-attached`, storageId: id }, () =>
          this.storageAttached.add(id),
        );
      }
    }
    if (!this.installed) {
      if (dying) {
        this.removed = true;
        return undefined;
      }
      // A unit refreshed before its install deploys the new charm for it.
      return {
        ...hook({ kind: "hook", name: "install" }, () => {
          this.installed = true;
        }),
        ...((unit.charmRevision ?? 0) !== app.charm.revision ? { deploy: app.charm } : {}),
      };
    }

    if (!dying) {
      for (const relation of relationsOf(model, unit)) {
        const seen = this.relationSeen(relation.id);
        if (!seen.created && relation.life === "alive") {
          const endpoint = endpointOf(relation, unit.app)!;
          return hook(
            {
              kind: "hook",
              name: `${endpoint.endpoint}-relation-created`,
              relationId: relation.id,
              remoteApp: remoteAppOf(relation, unit.app),
            },
            () => {
              seen.created = true;
              enterScopeSettings(relation, unit);
              if (!relation.scope.includes(unit.name)) relation.scope.push(unit.name);
            },
            this.view({ relationId: relation.id }),
          );
        }
      }

      const isLeader = app.leader === unit.name;
      if (isLeader && !this.leaderElectedRun) {
        return hook({ kind: "hook", name: "leader-elected" }, () => {
          this.leaderElectedRun = true;
          this.leaderSettingsSeen = app.leaderSettings.version;
        });
      }
      if (!isLeader) this.leaderElectedRun = false;
      if (!isLeader && this.leaderSettingsSeen !== app.leaderSettings.version) {
        const version = app.leaderSettings.version;
        return hook({ kind: "hook", name: "leader-settings-changed" }, () => {
          this.leaderSettingsSeen = version;
        });
      }

      for (const secret of Object.values(model.secrets)) {
        const consumer = secret.consumers[unit.name];
        const latest = secret.revisions.at(-1)?.revision ?? 0;
        if (
          consumer &&
          latest > consumer.trackedRevision &&
          (this.secretsNotified.get(secret.id) ?? 0) < latest
        ) {
          return hook(
            {
              kind: "hook",
              name: "secret-changed",
              secretId: `secret:${secret.id}`,
              secretLabel: consumer.label ?? "",
            },
            () => this.secretsNotified.set(secret.id, latest),
          );
        }
      }

      // secret-rotate and secret-expired: the owner (the leader, for an application's secret) when
      // a rotation falls due or a revision has expired (secret-timers.ts has Juju's timing).
      // The secrets this unit manages: the leader its application's, every unit its own.
      const owned = Object.values(model.secrets).filter((secret) =>
        secret.ownerKind === "application"
          ? isLeader && secret.ownerApp === unit.app
          : secret.ownerUnit === unit.name,
      );
      const clock = secretClock(model);
      for (const secret of owned) {
        const latest = secret.revisions.at(-1)?.revision ?? 0;
        if (secret.nextRotate !== undefined && Date.parse(secret.nextRotate) <= clock) {
          return hook(
            {
              kind: "hook",
              name: "secret-rotate",
              secretId: `secret:${secret.id}`,
              secretLabel: secret.label ?? "",
            },
            () => secretRotated(secret, latest, secretClock(model)),
          );
        }
        const expired = secret.revisions.find(
          (revision) => revision.expireDue !== undefined && Date.parse(revision.expireDue) <= clock,
        );
        if (expired) {
          return hook(
            {
              kind: "hook",
              name: "secret-expired",
              secretId: `secret:${secret.id}`,
              secretLabel: secret.label ?? "",
              secretRevision: expired.revision,
            },
            () => secretExpiredRan(secret, expired.revision, secretClock(model)),
          );
        }
      }

      // secret-remove: the owner (the leader, for an application's secret) hears of each revision
      // that is not the latest and that no unit tracks any more, consumer or owner, so it can prune
      // it (secret-remove --revision); Juju's obsolete-revision watcher in the secrets domain.
      for (const secret of owned) {
        const latest = secret.revisions.at(-1)?.revision ?? 0;
        const tracked = new Set(
          [
            ...Object.entries(secret.consumers).map(
              ([name, consumer]) => [name, consumer.trackedRevision] as const,
            ),
            ...Object.entries(secret.ownerTracked),
          ]
            .filter(([name]) => model.units[name] !== undefined)
            .map(([, revision]) => revision),
        );
        for (const { revision } of secret.revisions) {
          const key = `${secret.id}/${revision}`;
          if (revision >= latest || tracked.has(revision) || this.removalsNotified.has(key)) continue;
          return hook(
            {
              kind: "hook",
              name: "secret-remove",
              secretId: `secret:${secret.id}`,
              secretLabel: secret.label ?? "",
              secretRevision: revision,
            },
            () => this.removalsNotified.add(key),
          );
        }
      }
    }

    const action = Object.values(model.actions)
      .filter((record) => record.unit === unit.name && record.status === "pending")
      .sort((a, b) => Number(a.id) - Number(b.id))[0];
    if (action) return { kind: "action", actionId: action.id, view: this.view() };

    // `juju refresh`: after actions and commands, before config-changed and relation hooks, the
    // agent deploys the new charm's files, runs upgrade-charm, then always config-changed
    // (resolver.go charmModified; operation/deploy.go; runhook.go Commit queues config-changed).
    if (
      this.installed &&
      !dying &&
      (this.upgradePending || (unit.charmRevision ?? 0) !== app.charm.revision)
    ) {
      return {
        kind: "hook",
        hook: { kind: "hook", name: "upgrade-charm" },
        view: this.view(),
        deploy: app.charm,
        done: () => {
          this.upgradePending = false;
          this.configSeen = undefined;
        },
      };
    }

    if (this.startQueued && !dying) {
      return hook({ kind: "hook", name: "start" }, () => {
        this.startQueued = false;
        this.started = true;
      });
    }

    if (dying) return this.teardown(model, unit, hook);

    const configHash = hashConfig(effectiveConfig(app));
    if (this.configSeen !== configHash) {
      return hook({ kind: "hook", name: "config-changed" }, () => {
        this.configSeen = configHash;
        if (!this.started) this.startQueued = true;
        // A committed config-changed refreshes the unit's network settings in every relation
        // (runner/context/context.go doFlush: UpdateNetworkInfo for config-changed).
        for (const relation of relationsOf(model, unit, false)) {
          if (relation.unitBags[unit.name]) enterScopeSettings(relation, unit, true);
        }
      });
    }

    for (const relation of relationsOf(model, unit)) {
      const next = this.nextRelationHook(model, unit, relation, false, hook);
      if (next) return next;
    }
    for (const [id, seen] of this.relations) {
      if (!model.relations[id] && !seen.broken) this.relations.delete(id);
    }

    if (this.started && updateStatusIntervalMs > 0) {
      if (this.updateStatusDue === 0) this.updateStatusDue = now + updateStatusIntervalMs;
      if (now >= this.updateStatusDue) {
        return hook({ kind: "hook", name: "update-status" }, () => {
          this.updateStatusDue = Date.now() + updateStatusIntervalMs;
        });
      }
    }
    return undefined;
  }

  private nextRelationHook(
    model: Model,
    unit: Unit,
    relation: Relation,
    unitDying: boolean,
    hook: (descriptor: HookDescriptor, done: () => void, view?: UnitView) => NextHook,
  ): NextHook | undefined {
    const seen = this.relations.get(relation.id);
    if (!seen?.created || seen.broken) return undefined;
    const endpoint = endpointOf(relation, unit.app)!.endpoint;
    const remoteApp = remoteAppOf(relation, unit.app)!;
    const base = { kind: "hook" as const, relationId: relation.id, remoteApp };

    if (seen.changedPending && !unitDying && relation.life === "alive") {
      const member = seen.changedPending;
      const version = relation.unitBags[member]?.version ?? 0;
      return hook({ ...base, name: `${endpoint}-relation-changed`, remoteUnit: member }, () => {
        seen.changedPending = undefined;
        seen.members.set(member, version);
      });
    }
    const remoteBroken = unitDying || relation.life !== "alive";
    const remote = remoteBroken
      ? []
      : relation.scope
          // A dying unit calls PrepareLeaveScope at once, so the others see it depart while it
          // still runs its own teardown hooks (internal/worker/uniter/relation).
          .filter(
            (name) =>
              name !== unit.name &&
              model.units[name]?.app === remoteApp &&
              model.units[name]?.life === "alive",
          )
          .sort(compareUnits);

    for (const member of [...seen.members.keys()].sort(compareUnits)) {
      if (!remote.includes(member)) {
        // JUJU_DEPARTING_UNIT names the local unit when it is the one going away (§1.3).
        const departing = unitDying ? unit.name : member;
        return hook(
          { ...base, name: `${endpoint}-relation-departed`, remoteUnit: member, departingUnit: departing },
          () => {
            seen.members.delete(member);
            if (seen.changedPending === member) seen.changedPending = undefined;
          },
          this.view({ relationId: relation.id, exclude: member }),
        );
      }
    }
    if (remoteBroken) {
      if (!isPeer(relation)) {
        return hook(
          { ...base, name: `${endpoint}-relation-broken` },
          () => {
            seen.broken = true;
            leaveScope(relation, unit.name);
          },
          this.view({ relationId: relation.id }),
        );
      }
      leaveScope(relation, unit.name);
      return undefined;
    }
    const appBag = relation.appBags[remoteApp];
    if (appBag && remoteApp === unit.app && model.applications[unit.app]?.leader === unit.name) {
      // A leader never hears about its own application-bag writes (§5.2).
      seen.apps.set(remoteApp, appBag.version);
    }
    if (appBag && appBag.version > 0 && (seen.apps.get(remoteApp) ?? 0) !== appBag.version) {
      const version = appBag.version;
      return hook({ ...base, name: `${endpoint}-relation-changed` }, () => seen.apps.set(remoteApp, version));
    }
    for (const member of remote) {
      if (!seen.members.has(member)) {
        const version = relation.unitBags[member]?.version ?? 0;
        return hook(
          { ...base, name: `${endpoint}-relation-joined`, remoteUnit: member },
          () => {
            seen.members.set(member, version);
            seen.changedPending = member;
          },
          this.view({ relationId: relation.id, include: member }),
        );
      }
    }
    for (const member of remote) {
      const version = relation.unitBags[member]?.version ?? 0;
      if (seen.members.get(member) !== version) {
        return hook({ ...base, name: `${endpoint}-relation-changed`, remoteUnit: member }, () =>
          seen.members.set(member, version),
        );
      }
    }
    return undefined;
  }

  private teardown(
    model: Model,
    unit: Unit,
    hook: (descriptor: HookDescriptor, done: () => void, view?: UnitView) => NextHook,
  ): NextHook | undefined {
    // Juju's uniter asks its storage resolver before the dying branch that breaks relations and
    // stops (internal/worker/uniter/resolver.go, NextOp: "storage" before nextOp's life.Dying), and
    // removing a unit makes its storage attachments dying too: storage-detaching comes first, while
    // the workload still runs on that storage.
    for (const id of unit.storage) {
      if (this.storageAttached.has(id) && !this.storageDetached.has(id)) {
        const name = id.slice(0, id.indexOf("/"));
        return hook({ kind: "hook", name: `${name}-storage-detaching`, storageId: id }, () =>
          this.storageDetached.add(id),
        );
      }
    }
    for (const relation of relationsOf(model, unit, true)) {
      const next = this.nextRelationHook(model, unit, relation, true, hook);
      if (next) return next;
    }
    if (this.started && !this.stopped) {
      return hook({ kind: "hook", name: "stop" }, () => {
        this.stopped = true;
      });
    }
    return hook({ kind: "hook", name: "remove" }, () => {
      this.removed = true;
    });
  }
}

/**
 * Relations the unit's application takes part in; dying ones too while the unit is in scope. In no
 * fixed order: Juju's relations resolver ranges over a Go map (internal/worker/uniter/relation), so
 * which relation's hooks come first is not defined and a charm must not depend on it.
 */
function relationsOf(model: Model, unit: Unit, includeDying = true): Relation[] {
  const relations = Object.values(model.relations)
    .filter((relation) => endpointOf(relation, unit.app) !== undefined)
    .filter((relation) => includeDying || relation.life === "alive");
  for (let i = relations.length - 1; i > 0; i -= 1) {
    const j = Math.floor(Math.random() * (i + 1));
    [relations[i], relations[j]] = [relations[j]!, relations[i]!];
  }
  return relations;
}

/**
 * The settings Juju writes into a unit's own bag when it enters a relation's scope — before its
 * relation-created hook runs, so the hook already sees them — and refreshes after config-changed:
 * `private-address`, `ingress-address`, `egress-subnets` (§3.3, §9.4 item 3). `refresh` rewrites
 * them when they differ; otherwise an existing bag is left alone.
 */
export function enterScopeSettings(relation: Relation, unit: Unit, refresh = false): void {
  const network = {
    "egress-subnets": `${unit.address}/32`,
    "ingress-address": unit.address,
    "private-address": unit.address,
  };
  const bag = relation.unitBags[unit.name];
  if (!bag) {
    relation.unitBags[unit.name] = { data: network, version: 1 };
    return;
  }
  if (refresh && Object.entries(network).some(([key, value]) => bag.data[key] !== value)) {
    bag.data = { ...bag.data, ...network };
    bag.version += 1;
  }
}

function leaveScope(relation: Relation, unit: string): void {
  relation.scope = relation.scope.filter((name) => name !== unit);
}

/** Juju sorts unit names as strings (Go's sort.Strings): "app/10" comes before "app/2". */
export function compareUnits(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

export function hashConfig(config: Readonly<Record<string, unknown>>): string {
  const sorted = Object.fromEntries(Object.entries(config).sort(([a], [b]) => (a < b ? -1 : 1)));
  return createHash("sha256").update(JSON.stringify(sorted)).digest("hex");
}
