/**
 * Typed wrappers over Juju's hook tools, with the exact argv that ops sends (juju-contract §3 and
 * Appendix A). Every call goes through one {@link ToolRunner}; failures become typed errors.
 * Answers that cannot change within a hook are cached, so a hook never asks the same thing twice.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { NotLeaderError, toolError } from "./errors";
import { redactedArgv, type ToolCall, type ToolRunner } from "./tool-runner";

export interface RelationRef {
  readonly endpoint: string;
  readonly id: number;
}

export type SettableStatus = "maintenance" | "blocked" | "waiting" | "active";

export interface StatusReading {
  readonly status: string;
  readonly message: string;
}

export type LogLevel = "TRACE" | "DEBUG" | "INFO" | "WARNING" | "ERROR" | "CRITICAL";

export interface BindAddress {
  readonly interfaceName: string;
  readonly macAddress: string;
  readonly addresses: readonly { readonly value: string; readonly cidr: string; readonly hostname: string }[];
}

export interface NetworkInfo {
  readonly bindAddresses: readonly BindAddress[];
  readonly egressSubnets: readonly string[];
  readonly ingressAddresses: readonly string[];
}

export type SecretOwner = "application" | "unit";
export type RotatePolicy = "never" | "hourly" | "daily" | "weekly" | "monthly" | "quarterly" | "yearly";

export interface SecretMetadataOptions {
  readonly label?: string;
  readonly description?: string;
  readonly expire?: string;
  readonly rotate?: RotatePolicy;
}

export interface SecretInfo {
  readonly id: string;
  readonly revision: number;
  readonly label: string | undefined;
  readonly owner: string;
  readonly description: string | undefined;
  readonly rotation: string | undefined;
  readonly expiry: string | undefined;
}

export interface StorageDetails {
  readonly kind: string;
  readonly location: string;
}

export type SecretContent = Readonly<Record<string, string>>;

const SECRET_KEY = /^[a-z](?:-?[a-z0-9]){2,}$/;
const ACTION_KEY = /^[a-z0-9](?:[a-z0-9-.]*[a-z0-9])?$/;

/** The bare id of a secret URI (`secret:abc`, `secret://uuid/abc` or `abc` → `abc`). */
export function secretBareId(uri: string): string {
  return uri.slice(Math.max(uri.lastIndexOf("/"), uri.lastIndexOf(":")) + 1);
}

function parseJson(call: ToolCall, stdout: string): unknown {
  const text = stdout.trim();
  if (text === "") return null;
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new Error(`hook tool ${redactedArgv(call).join(" ")} printed invalid JSON: ${text.slice(0, 200)}`, {
      cause: error,
    });
  }
}

function stringMap(value: unknown): Record<string, string> {
  if (value === null || typeof value !== "object" || Array.isArray(value)) return {};
  const out: Record<string, string> = {};
  for (const [key, item] of Object.entries(value)) {
    if (typeof item === "string") out[key] = item;
  }
  return out;
}

function stringList(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((item): item is string => typeof item === "string") : [];
}

function relationArg(ref: RelationRef): string {
  return `${ref.endpoint}:${ref.id}`;
}

/** Flattens `{a: {b: 1}}` into `["a.b=1"]`, as action-set expects. */
function flattenResults(results: Readonly<Record<string, unknown>>, prefix = ""): string[] {
  const out: string[] = [];
  for (const [key, value] of Object.entries(results)) {
    const path = prefix === "" ? key : `${prefix}.${key}`;
    if (!ACTION_KEY.test(key)) throw new Error(`action result key ${JSON.stringify(path)} is not valid`);
    if (value !== null && typeof value === "object" && !Array.isArray(value)) {
      out.push(...flattenResults(value as Record<string, unknown>, path));
    } else {
      out.push(`${path}=${typeof value === "string" ? value : JSON.stringify(value)}`);
    }
  }
  return out;
}

/**
 * How long an `is-leader` answer is trusted (ops' LEASE_RENEWAL_PERIOD, 30 s): Juju's leader lease
 * is longer, so an answer this fresh still holds; a hook that runs longer asks again before it acts
 * as the leader.
 */
export const LEADERSHIP_TRUST_MS = 30_000;

export class HookTools {
  private readonly cache = new Map<string, unknown>();
  private calls = 0;
  private leadership: { readonly leader: boolean; readonly at: number } | undefined;

  constructor(
    private readonly runner: ToolRunner,
    private readonly now: () => number = Date.now,
  ) {}

  /** How many tools this hook has run so far. */
  get callCount(): number {
    return this.calls;
  }

  private exec(call: ToolCall): string {
    this.calls += 1;
    const result = this.runner.run(call);
    if (result.exitCode !== 0) {
      const error = toolError({ argv: redactedArgv(call), exitCode: result.exitCode, stderr: result.stderr });
      // Juju refused a leader-only call: leadership moved during this hook, and Juju keeps this unit
      // a minion for the rest of it (runner/context/leader.go `isMinion` is sticky), so stop trusting
      // the earlier answer.
      if (error instanceof NotLeaderError) this.leadership = { leader: false, at: this.now() };
      throw error;
    }
    return result.stdout;
  }

  private json(call: ToolCall): unknown {
    return parseJson(call, this.exec(call));
  }

  private cached<T>(key: string, read: () => T): T {
    if (this.cache.has(key)) return this.cache.get(key) as T;
    const value = read();
    this.cache.set(key, value);
    return value;
  }

  /** Writes secret content to private files and passes `key#file=path`, never the values. */
  private withSecretFiles<T>(content: SecretContent, run: (args: string[]) => T): T {
    const dir = mkdtempSync(join(tmpdir(), "juju-secret-"));
    try {
      const args = Object.entries(content).map(([key, value]) => {
        if (!SECRET_KEY.test(key)) throw new Error(`secret content key ${JSON.stringify(key)} is not valid`);
        const file = join(dir, key);
        writeFileSync(file, value, { mode: 0o600 });
        return `${key}#file=${file}`;
      });
      return run(args);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }

  // --- relations -------------------------------------------------------------------------------

  relationIds(endpoint: string): number[] {
    return this.cached(`relation-ids:${endpoint}`, () =>
      stringList(this.json({ tool: "relation-ids", args: [endpoint, "--format=json"] })).map((id) =>
        Number(id.slice(id.lastIndexOf(":") + 1)),
      ),
    );
  }

  relationList(ref: RelationRef): string[] {
    return this.cached(`relation-list:${ref.id}`, () =>
      stringList(this.json({ tool: "relation-list", args: ["--format=json", "-r", relationArg(ref)] })),
    );
  }

  relationRemoteApp(ref: RelationRef): string | undefined {
    return this.cached(`relation-list-app:${ref.id}`, () => {
      const app = this.json({
        tool: "relation-list",
        args: ["--format=json", "--app", "-r", relationArg(ref)],
      });
      return typeof app === "string" && app !== "" ? app : undefined;
    });
  }

  /** A whole databag: a unit's (`app/0`) or, with `app`, an application's. */
  relationGet(ref: RelationRef, target: string, app: boolean): Record<string, string> {
    const key = `relation-get:${ref.id}:${app ? "app" : "unit"}:${target}`;
    return { ...this.cached(key, () => stringMap(this.json(this.relationGetCall(ref, target, app)))) };
  }

  private relationGetCall(ref: RelationRef, target: string, app: boolean): ToolCall {
    const args = ["--format=json", "-r", relationArg(ref)];
    if (app) args.push("--app");
    args.push("-", target);
    return { tool: "relation-get", args };
  }

  /**
   * Merges `values` into this unit's (or, with `app`, this application's) databag; `""` deletes.
   * Values travel on stdin so any string survives. `self` names the bag for the read cache.
   */
  relationSet(ref: RelationRef, self: string, values: Readonly<Record<string, string>>, app: boolean): void {
    if (Object.keys(values).length === 0) return;
    const args = ["-r", relationArg(ref)];
    if (app) args.push("--app");
    args.push("--file", "-");
    this.exec({ tool: "relation-set", args, input: JSON.stringify(values) });
    const key = `relation-get:${ref.id}:${app ? "app" : "unit"}:${self}`;
    const bag = this.cache.get(key) as Record<string, string> | undefined;
    if (bag) {
      for (const [name, value] of Object.entries(values)) {
        if (value === "") delete bag[name];
        else bag[name] = value;
      }
    }
  }

  // --- leadership, config, status ----------------------------------------------------------------

  isLeader(): boolean {
    const now = this.now();
    if (!this.leadership || now - this.leadership.at >= LEADERSHIP_TRUST_MS) {
      const leader = this.json({ tool: "is-leader", args: ["--format=json"] }) === true;
      this.leadership = { leader, at: now };
    }
    return this.leadership.leader;
  }

  configGet(): Record<string, unknown> {
    return this.cached("config-get", () => {
      const value = this.json({ tool: "config-get", args: ["--format=json"] });
      return value !== null && typeof value === "object" ? (value as Record<string, unknown>) : {};
    });
  }

  statusSet(status: SettableStatus, message: string, application = false): void {
    this.exec({
      tool: "status-set",
      args: [`--application=${application ? "True" : "False"}`, status, "--", message],
    });
  }

  statusGet(application = false): StatusReading {
    const value = this.json({
      tool: "status-get",
      args: ["--include-data", "--format=json", `--application=${application}`],
    }) as Record<string, unknown> | null;
    const body = (application ? value?.["application-status"] : value) as Record<string, unknown> | undefined;
    return {
      status: typeof body?.status === "string" ? body.status : "unknown",
      message: typeof body?.message === "string" ? body.message : "",
    };
  }

  applicationVersionSet(version: string): void {
    this.exec({ tool: "application-version-set", args: ["--", version] });
  }

  jujuLog(level: LogLevel, message: string): void {
    this.exec({ tool: "juju-log", args: ["--log-level", level, "--", message] });
  }

  // --- actions -----------------------------------------------------------------------------------

  actionGet(): Record<string, unknown> {
    return this.cached("action-get", () => {
      const value = this.json({ tool: "action-get", args: ["--format=json"] });
      return value !== null && typeof value === "object" ? (value as Record<string, unknown>) : {};
    });
  }

  /**
   * Juju's action-set takes results only as arguments; a result that is a secret (a password the
   * user asked for) is therefore briefly visible to `ps` on the unit, as with every Juju charm.
   */
  actionSet(results: Readonly<Record<string, unknown>>): void {
    const args = flattenResults(results);
    if (args.length === 0) return;
    this.exec({ tool: "action-set", args, secretArgs: args.map((_, index) => index) });
  }

  actionFail(message: string): void {
    this.exec({ tool: "action-fail", args: ["--", message] });
  }

  actionLog(message: string): void {
    this.exec({ tool: "action-log", args: ["--", message] });
  }

  // --- secrets -----------------------------------------------------------------------------------

  private secretMetadataArgs(options: SecretMetadataOptions): string[] {
    const args: string[] = [];
    if (options.label !== undefined) args.push("--label", options.label);
    if (options.description !== undefined) args.push("--description", options.description);
    if (options.expire !== undefined) args.push("--expire", options.expire);
    if (options.rotate !== undefined) args.push("--rotate", options.rotate);
    return args;
  }

  /** Creates a secret and returns its URI. */
  secretAdd(content: SecretContent, options: SecretMetadataOptions & { owner?: SecretOwner } = {}): string {
    return this.withSecretFiles(content, (files) => {
      const args = [...this.secretMetadataArgs(options), "--owner", options.owner ?? "application", ...files];
      return this.exec({ tool: "secret-add", args }).trim();
    });
  }

  /** Reads a secret by id and/or label; `refresh` moves tracking to the latest revision. */
  secretGet(options: {
    readonly id?: string;
    readonly label?: string;
    readonly refresh?: boolean;
    readonly peek?: boolean;
  }): Record<string, string> {
    const args = ["--format=json"];
    if (options.id !== undefined) args.push(options.id);
    if (options.label !== undefined) args.push("--label", options.label);
    if (options.refresh) args.push("--refresh");
    if (options.peek) args.push("--peek");
    return {
      ...this.cached(`secret-get:${args.join("\0")}`, () =>
        stringMap(this.json({ tool: "secret-get", args })),
      ),
    };
  }

  secretSet(id: string, options: SecretMetadataOptions & { content?: SecretContent } = {}): void {
    const meta = this.secretMetadataArgs(options);
    const run = (files: string[]): void => {
      this.exec({ tool: "secret-set", args: [id, ...meta, ...files] });
    };
    if (options.content) this.withSecretFiles(options.content, run);
    else run([]);
    for (const key of [...this.cache.keys()]) if (key.startsWith("secret-")) this.cache.delete(key);
  }

  secretGrant(id: string, ref: RelationRef, unit?: string): void {
    const args = [id, "--relation", String(ref.id)];
    if (unit !== undefined) args.push("--unit", unit);
    this.exec({ tool: "secret-grant", args });
  }

  secretRevoke(id: string, ref: RelationRef, unit?: string): void {
    const args = [id, "--relation", String(ref.id)];
    if (unit !== undefined) args.push("--unit", unit);
    this.exec({ tool: "secret-revoke", args });
  }

  secretRemove(id: string, revision?: number): void {
    const args = [id];
    if (revision !== undefined) args.push("--revision", String(revision));
    this.exec({ tool: "secret-remove", args });
    for (const key of [...this.cache.keys()]) if (key.startsWith("secret-")) this.cache.delete(key);
  }

  /** Bare ids of the secrets this unit (or, as leader, its application) owns. */
  secretIds(): string[] {
    return this.cached("secret-ids", () =>
      stringList(this.json({ tool: "secret-ids", args: ["--format=json"] })),
    );
  }

  /** Metadata of an owned secret, by id or by label. */
  secretInfoGet(options: { readonly id?: string; readonly label?: string }): SecretInfo {
    const args = ["--format=json"];
    if (options.id !== undefined) args.push(options.id);
    if (options.label !== undefined) args.push("--label", options.label);
    return this.cached(`secret-info-get:${args.join("\0")}`, () => {
      const value = this.json({ tool: "secret-info-get", args }) as Record<
        string,
        Record<string, unknown>
      > | null;
      const [id, info] = Object.entries(value ?? {})[0] ?? [];
      if (id === undefined || info === undefined) throw new Error("secret-info-get printed no secret");
      const text = (key: string): string | undefined =>
        typeof info[key] === "string" ? info[key] : undefined;
      return {
        id,
        revision: typeof info.revision === "number" ? info.revision : 0,
        label: text("label"),
        owner: text("owner") ?? "",
        description: text("description"),
        rotation: text("rotation"),
        expiry: text("expiry"),
      };
    });
  }

  // --- unit state (controller-side, committed with the hook) ---------------------------------------

  stateGet(): Record<string, string> {
    return {
      ...this.cached("state-get", () => stringMap(this.json({ tool: "state-get", args: ["--format=json"] }))),
    };
  }

  stateSet(values: Readonly<Record<string, string>>): void {
    if (Object.keys(values).length === 0) return;
    this.exec({ tool: "state-set", args: ["--file", "-"], input: JSON.stringify(values) });
    const state = this.cache.get("state-get") as Record<string, string> | undefined;
    if (state) Object.assign(state, values);
  }

  stateDelete(key: string): void {
    this.exec({ tool: "state-delete", args: [key] });
    const state = this.cache.get("state-get") as Record<string, string> | undefined;
    if (state) delete state[key];
  }

  // --- ports and network -------------------------------------------------------------------------

  openPort(port: string, endpoints?: readonly string[]): void {
    const args = endpoints ? ["--endpoints", endpoints.join(","), port] : [port];
    this.exec({ tool: "open-port", args });
  }

  closePort(port: string, endpoints?: readonly string[]): void {
    const args = endpoints ? ["--endpoints", endpoints.join(","), port] : [port];
    this.exec({ tool: "close-port", args });
  }

  /** Committed open ports, e.g. `["2181/tcp"]` (pending changes of this hook are not shown). */
  openedPorts(): string[] {
    return this.cached("opened-ports", () =>
      stringList(this.json({ tool: "opened-ports", args: ["--format=json"] })),
    );
  }

  networkGet(binding: string, ref?: RelationRef): NetworkInfo {
    const args = ["--format=json"];
    if (ref) args.push("-r", relationArg(ref));
    args.push(binding);
    return this.cached(`network-get:${args.join("\0")}`, () => {
      const raw = (this.json({ tool: "network-get", args }) ?? {}) as Record<string, unknown>;
      const binds = Array.isArray(raw["bind-addresses"])
        ? (raw["bind-addresses"] as Record<string, unknown>[])
        : [];
      return {
        bindAddresses: binds.map((bind) => ({
          interfaceName: typeof bind["interface-name"] === "string" ? bind["interface-name"] : "",
          macAddress: typeof bind["mac-address"] === "string" ? bind["mac-address"] : "",
          addresses: (Array.isArray(bind.addresses) ? (bind.addresses as Record<string, unknown>[]) : []).map(
            (address) => ({
              value: typeof address.value === "string" ? address.value : "",
              cidr: typeof address.cidr === "string" ? address.cidr : "",
              hostname: typeof address.hostname === "string" ? address.hostname : "",
            }),
          ),
        })),
        egressSubnets: stringList(raw["egress-subnets"]),
        ingressAddresses: stringList(raw["ingress-addresses"]),
      };
    });
  }

  unitGet(setting: "private-address" | "public-address"): string {
    return this.cached(`unit-get:${setting}`, () => {
      const value = this.json({ tool: "unit-get", args: ["--format=json", setting] });
      return typeof value === "string" ? value : "";
    });
  }

  // --- storage -----------------------------------------------------------------------------------

  storageList(name?: string): string[] {
    const args = ["--format=json"];
    if (name !== undefined) args.push(name);
    return this.cached(`storage-list:${name ?? ""}`, () =>
      stringList(this.json({ tool: "storage-list", args })),
    );
  }

  storageGet(id: string): StorageDetails {
    return this.cached(`storage-get:${id}`, () => {
      const value = stringMap(this.json({ tool: "storage-get", args: ["--format=json", "-s", id] }));
      return { kind: value.kind ?? "", location: value.location ?? "" };
    });
  }

  // --- goal state ----------------------------------------------------------------------------------

  /** Units of this application that Juju intends to keep (not dying), from goal-state. */
  plannedUnits(): string[] {
    return this.cached("goal-state", () => {
      const value = this.json({ tool: "goal-state", args: ["--format=json"] }) as {
        units?: Record<string, { status?: string }>;
      } | null;
      return Object.entries(value?.units ?? {})
        .filter(([, unit]) => unit.status !== "dying")
        .map(([name]) => name)
        .sort();
    });
  }
}
