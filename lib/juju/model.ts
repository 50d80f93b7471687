/**
 * The model as one unit sees it during one hook: its relations with typed databags, secrets,
 * config and leadership. Reads go through {@link HookTools} (cached per hook); writes are diffed so
 * that a no-op write sends nothing and triggers no relation-changed anywhere.
 */
import { type ConfigResult, type ConfigSpec, parseConfig } from "./config";
import type { JujuContext } from "./context";
import { type Bag, type DatabagIssue, type ParsedBag, parseBag, type Schema, serializeBag } from "./databag";
import { NotLeaderError, SecretNotFoundError } from "./errors";
import type { HookTools, RelationRef, SecretContent, SecretInfo, SecretOwner } from "./hook-tools";

export type Writable<S extends Schema> = { [K in keyof S]?: Bag<S>[K] | null };

export class Relation {
  constructor(
    private readonly model: Model,
    readonly ref: RelationRef,
  ) {}

  get id(): number {
    return this.ref.id;
  }

  get endpoint(): string {
    return this.ref.endpoint;
  }

  /** The remote application; the local one for a peer relation. */
  get remoteApp(): string | undefined {
    return this.model.tools.relationRemoteApp(this.ref);
  }

  /** Remote units in this unit's view of the relation, sorted (never this unit). */
  get units(): string[] {
    return this.model.tools.relationList(this.ref);
  }

  rawUnitData(unit: string): Record<string, string> {
    return this.model.tools.relationGet(this.ref, unit, false);
  }

  rawAppData(app: string): Record<string, string> {
    return this.model.tools.relationGet(this.ref, app, true);
  }

  unitData<S extends Schema>(schema: S, unit: string): ParsedBag<S> {
    return this.model.noteIssues(parseBag(schema, this.rawUnitData(unit), `${this.label} ${unit}`));
  }

  appData<S extends Schema>(schema: S, app: string): ParsedBag<S> {
    return this.model.noteIssues(parseBag(schema, this.rawAppData(app), `${this.label} app ${app}`));
  }

  localUnitData<S extends Schema>(schema: S): ParsedBag<S> {
    return this.unitData(schema, this.model.unitName);
  }

  localAppData<S extends Schema>(schema: S): ParsedBag<S> {
    return this.appData(schema, this.model.appName);
  }

  /** Writes only the keys whose serialized value differs from what the bag holds now. */
  setLocalUnitData<S extends Schema>(schema: S, values: Writable<S>): void {
    const changes = this.diff(this.rawUnitData(this.model.unitName), serializeBag(schema, values));
    this.model.tools.relationSet(this.ref, this.model.unitName, changes, false);
  }

  /** As {@link setLocalUnitData} for the application bag; only the leader may write it. */
  setLocalAppData<S extends Schema>(schema: S, values: Writable<S>): void {
    if (!this.model.isLeader) {
      throw new NotLeaderError({
        argv: ["relation-set", "--app"],
        exitCode: 1,
        stderr: `${this.model.unitName} is not the leader and cannot write application data`,
      });
    }
    const changes = this.diff(this.rawAppData(this.model.appName), serializeBag(schema, values));
    this.model.tools.relationSet(this.ref, this.model.appName, changes, true);
  }

  private diff(current: Readonly<Record<string, string>>, wanted: Readonly<Record<string, string>>) {
    const changes: Record<string, string> = {};
    for (const [key, value] of Object.entries(wanted)) {
      if ((current[key] ?? "") !== value) changes[key] = value;
    }
    return changes;
  }

  private get label(): string {
    return `${this.ref.endpoint}:${this.ref.id}`;
  }
}

export interface OwnedSecret {
  readonly id: string;
  readonly content: Record<string, string>;
}

/** Juju secrets as owner and as consumer. */
export class Secrets {
  constructor(private readonly tools: HookTools) {}

  /** Content of a secret this unit can see, or undefined when it does not exist (yet). */
  get(options: { id?: string; label?: string; refresh?: boolean }): Record<string, string> | undefined {
    try {
      return this.tools.secretGet(options);
    } catch (error) {
      if (error instanceof SecretNotFoundError) return undefined;
      throw error;
    }
  }

  /** Metadata of an owned secret by label, or undefined when there is none. */
  info(label: string): SecretInfo | undefined {
    try {
      return this.tools.secretInfoGet({ label });
    } catch (error) {
      if (error instanceof SecretNotFoundError) return undefined;
      throw error;
    }
  }

  add(content: SecretContent, options: { label: string; owner?: SecretOwner; description?: string }): string {
    return this.tools.secretAdd(content, options);
  }

  /** Sets new content; Juju creates a new revision only when it differs. */
  update(id: string, content: SecretContent): void {
    this.tools.secretSet(id, { content });
  }

  grant(id: string, relation: Relation, unit?: string): void {
    this.tools.secretGrant(id, relation.ref, unit);
  }

  revoke(id: string, relation: Relation, unit?: string): void {
    this.tools.secretRevoke(id, relation.ref, unit);
  }

  remove(id: string, revision?: number): void {
    this.tools.secretRemove(id, revision);
  }
}

export class Model {
  readonly secrets: Secrets;
  private readonly issues: DatabagIssue[] = [];

  constructor(
    readonly context: JujuContext,
    readonly tools: HookTools,
  ) {
    this.secrets = new Secrets(tools);
  }

  get unitName(): string {
    return this.context.unitName;
  }

  get appName(): string {
    return this.context.appName;
  }

  get isLeader(): boolean {
    return this.tools.isLeader();
  }

  /** Every relation on `endpoint` this unit is in, in id order. */
  relations(endpoint: string): Relation[] {
    const ids = this.tools.relationIds(endpoint);
    // relation-broken: the relation is gone from relation-ids but still addressable in its own hook.
    const event = this.context.relation;
    if (event && event.endpoint === endpoint && !ids.includes(event.id)) ids.push(event.id);
    return ids.sort((a, b) => a - b).map((id) => new Relation(this, { endpoint, id }));
  }

  /**
   * The peer relation on `endpoint` without asking `relation-ids` when it is known: from the hook's
   * own relation, or `knownId` (a unit's peer relation keeps its id for the unit's whole life).
   */
  peerRelation(endpoint: string, knownId?: number): Relation | undefined {
    const event = this.context.relation;
    if (event?.endpoint === endpoint) return new Relation(this, { endpoint, id: event.id });
    if (knownId !== undefined) return new Relation(this, { endpoint, id: knownId });
    return this.relation(endpoint);
  }

  /** The single relation on `endpoint` (a peer relation), if this unit is in one. */
  relation(endpoint: string): Relation | undefined {
    return this.relations(endpoint)[0];
  }

  config<S extends ConfigSpec>(spec: S): ConfigResult<S> {
    return parseConfig(spec, this.tools.configGet());
  }

  /** Malformed relation data seen so far in this hook (each already dropped from the parsed bag). */
  get databagIssues(): readonly DatabagIssue[] {
    return this.issues;
  }

  /** @internal Records issues once per source and key. */
  noteIssues<S extends Schema>(parsed: ParsedBag<S>): ParsedBag<S> {
    for (const issue of parsed.issues) {
      if (!this.issues.some((seen) => seen.source === issue.source && seen.key === issue.key)) {
        this.issues.push(issue);
      }
    }
    return parsed;
  }
}

/** What an action handler may do: read its parameters, return results, or fail with a reason. */
export class Action {
  private failed = false;

  constructor(
    readonly name: string,
    readonly id: string,
    private readonly tools: HookTools,
  ) {}

  get params(): Record<string, unknown> {
    return this.tools.actionGet();
  }

  setResults(results: Readonly<Record<string, unknown>>): void {
    this.tools.actionSet(results);
  }

  fail(message: string): void {
    this.failed = true;
    this.tools.actionFail(message);
  }

  log(message: string): void {
    this.tools.actionLog(message);
  }

  get hasFailed(): boolean {
    return this.failed;
  }
}
