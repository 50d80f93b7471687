/**
 * secret-add, secret-get, secret-set, secret-remove, secret-grant, secret-revoke, secret-ids,
 * secret-info-get (J:…/jujuc/secret-*.go; runner/context/context.go GetSecret/CreateSecret/
 * UpdateSecret/RemoveSecret/GrantSecret/SecretMetadata; core/secrets createsecret.go, secret.go;
 * apiserver secretsmanager getSecretContent/getConsumedRevision).
 *
 * Mutations are buffered and committed with the hook. Reads go to the "controller" at call time:
 * a consumer's tracked revision and consumer label move immediately, as in Juju.
 */
import { randomBytes } from "node:crypto";
import type { Secret } from "../model";
import { goRfc3339, nextRotateTime, ROTATE_POLICIES } from "../secret-timers";
import {
  type CommandBody,
  checkEmpty,
  fail,
  Output,
  readHookFile,
  relationIdFlag,
  type ToolDef,
} from "./command";
import type { FlagSet, Ref } from "./flags";
import {
  DEFAULT_FORMATTERS,
  GoStruct,
  GoTime,
  type GoValue,
  goQuote,
  parseGoDuration,
  SERIALISABLE_FORMATTERS,
  StringSlice,
  sortGoStrings,
} from "./go-value";
import {
  type HookSession,
  isValidApplication,
  isValidUnit,
  type PendingSecretUpdate,
  relationTag,
  type ToolIO,
} from "./session";
import { NOT_LEADER } from "./status";
import { parseStringMap } from "./yaml-input";

// --- ids and URIs ------------------------------------------------------------------------------

const BASE32HEX = "0123456789abcdefghijklmnopqrstuv";
const MACHINE = randomBytes(3);
let counter = randomBytes(3).readUIntBE(0, 3);

/** A new xid (rs/xid): 4-byte time, 3-byte machine, 2-byte pid, 3-byte counter, base32hex. */
export function newSecretId(now: Date): string {
  const bytes = Buffer.alloc(12);
  bytes.writeUInt32BE(Math.floor(now.getTime() / 1000) >>> 0, 0);
  MACHINE.copy(bytes, 4);
  bytes.writeUInt16BE(process.pid & 0xffff, 7);
  counter = (counter + 1) & 0xffffff;
  bytes.writeUIntBE(counter, 9, 3);
  let bits = 0;
  let acc = 0;
  let out = "";
  for (const byte of bytes) {
    acc = (acc << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      out += BASE32HEX[(acc >> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  if (bits > 0) out += BASE32HEX[(acc << (5 - bits)) & 31];
  return out;
}

const UUID = /[a-f0-9]{8}-[a-f0-9]{4}-[a-f0-9]{4}-[a-f0-9]{4}-[a-f0-9]{12}/;
const URI_BODY = /^(?:([a-f0-9]{8}-[a-f0-9]{4}-[a-f0-9]{4}-[a-f0-9]{4}-[a-f0-9]{12})\/)?([0-9a-z]{20})$/;

/** A 20-char xid: base32hex digits, and no stray bits in the last character. */
function isXid(id: string): boolean {
  if (!/^[0-9a-v]{20}$/.test(id)) return false;
  return (BASE32HEX.indexOf(id[19] as string) & 0x0f) === 0;
}

/** secrets.ParseURI: `secret:<id>`, `secret://<uuid>/<id>` or a bare id; returns the bare id. */
export function parseSecretURI(text: string): string {
  let scheme = "";
  let host = "";
  let path = "";
  let opaque = "";
  const match = /^([a-zA-Z][a-zA-Z0-9+.-]*):([\s\S]*)$/.exec(text);
  if (match) {
    scheme = (match[1] as string).toLowerCase();
    const rest = match[2] as string;
    if (rest.startsWith("//")) {
      const slash = rest.indexOf("/", 2);
      host = slash < 0 ? rest.slice(2) : rest.slice(2, slash);
      path = slash < 0 ? "" : rest.slice(slash);
    } else if (rest.startsWith("/")) {
      path = rest;
    } else {
      opaque = rest;
    }
  } else {
    path = text;
  }
  if (scheme !== "" && scheme !== "secret") fail(`secret URI scheme ${goQuote(scheme)} not valid`);
  if (host !== "" && !UUID.test(host)) fail(`host controller UUID ${goQuote(host)} not valid`);
  let body = path.replace(/^\/+/, "");
  if (body === "") body = opaque;
  const parsed = URI_BODY.exec(body);
  if (!parsed || !isXid(parsed[2] as string)) fail(`secret URI ${goQuote(text)} not valid`);
  return (parsed as RegExpExecArray)[2] as string;
}

/**
 * The optional leading secret URI of secret-get and secret-info-get (shifted off `rest`); either it
 * or `--label` must be given.
 */
function secretIdOrLabel(rest: string[], label: string): string | undefined {
  let id: string | undefined;
  if (rest.length > 0) {
    const text = rest.shift() as string;
    try {
      id = parseSecretURI(text);
    } catch {
      fail(`secret URI ${goQuote(text)} not valid`);
    }
  }
  if (id === undefined && label === "") fail("require either a secret URI or label");
  return id;
}

export function secretURI(id: string): string {
  return `secret:${id}`;
}

// --- content -----------------------------------------------------------------------------------

const KEY_RE = /^([a-z](?:-?[a-z0-9]){2,})$/;
const MAX_VALUE_BYTES = 1000 * 1000;
const MAX_CONTENT_BYTES = 1000 * 1000;
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/** encodeBase64: validates keys and sizes; returns decoded (plain) values keyed by bare key. */
function encodeContent(raw: ReadonlyMap<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  let total = 0;
  for (const [rawKey, value] of raw) {
    let key = rawKey;
    let encoded: string;
    if (key.endsWith("#base64")) {
      key = key.slice(0, -"#base64".length);
      encoded = value;
    } else {
      encoded = Buffer.from(value, "utf8").toString("base64");
    }
    if (!KEY_RE.test(key)) fail(`key ${goQuote(key)} not valid`);
    if (encoded.length > MAX_VALUE_BYTES) {
      fail(`base64 encoded secret content for key ${goQuote(key)} too large: ${encoded.length} bytes`);
    }
    if (!BASE64.test(encoded)) {
      // Juju stores the text as given and fails when the value is read; the emulator keeps
      // plain values and so rejects it up front.
      fail(`illegal base64 data at input byte ${Math.max(0, encoded.search(/[^A-Za-z0-9+/=]/))}`);
    }
    out[key] = Buffer.from(encoded, "base64").toString("utf8");
    total += encoded.length;
  }
  if (total > MAX_CONTENT_BYTES) fail(`base64 encoded secret content too large: ${total} bytes`);
  return out;
}

/** secrets.CreateSecretData: `key=value`, `key#base64=…`, `key#file=/path`. */
function createSecretData(io: ToolIO, args: readonly string[]): Record<string, string> {
  const raw = new Map<string, string>();
  for (const arg of args) {
    const stripped = arg.replace(/=+$/, "");
    const idx = stripped.indexOf("=");
    if (idx < 1) fail(`key value ${goQuote(arg)} not valid`);
    let key = arg.slice(0, idx);
    const value = arg.slice(idx + 1);
    if (!key.endsWith("#file")) {
      raw.set(key, value);
      continue;
    }
    key = key.slice(0, -"#file".length);
    let content: string;
    try {
      content = readHookFile(io, value);
    } catch (error) {
      return fail(`reading content for secret key ${goQuote(key)}: ${(error as Error).message}`);
    }
    if (Buffer.byteLength(content, "utf8") > MAX_VALUE_BYTES) {
      fail(`secret content in file ${goQuote(value)} too large: ${Buffer.byteLength(content, "utf8")} bytes`);
    }
    raw.set(key, content);
  }
  return encodeContent(raw);
}

/** secrets.ReadSecretData: a YAML/JSON map of key → value. */
function readSecretData(io: ToolIO, path: string): Record<string, string> {
  const text = readHookFile(io, path);
  if (Buffer.byteLength(text, "utf8") > MAX_CONTENT_BYTES) {
    fail(`secret content in file ${goQuote(path)} too large: ${Buffer.byteLength(text, "utf8")} bytes`);
  }
  return encodeContent(new Map(Object.entries(parseStringMap(text))));
}

function sameContent(a: Readonly<Record<string, string>>, b: Readonly<Record<string, string>>): boolean {
  const keys = Object.keys(a);
  return (
    keys.length === Object.keys(b).length && keys.every((key) => Object.hasOwn(b, key) && a[key] === b[key])
  );
}

// --- expiry and rotation ------------------------------------------------------------------------

/** secretUpsertCommand.Init's --expire: RFC 3339, 2006-01-02T15:04:05 (UTC) or a duration. */
function parseExpire(session: HookSession, spec: string): string {
  const rfc3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;
  const noTz = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}$/;
  if (rfc3339.test(spec) || noTz.test(spec)) {
    const date = new Date(noTz.test(spec) ? `${spec}Z` : spec);
    if (!Number.isNaN(date.getTime())) return goRfc3339(date);
  }
  const duration = parseGoDuration(spec);
  if (duration === undefined) fail(`expire time or duration ${goQuote(spec)} not valid`);
  if ((duration as number) <= 0) fail(`negative expire duration ${goQuote(spec)} not valid`);
  return goRfc3339(new Date(session.now().getTime() + (duration as number)));
}

// --- metadata -----------------------------------------------------------------------------------

interface Metadata {
  readonly id: string;
  readonly ownerKind: "application" | "unit";
  readonly label: string;
  readonly description: string;
  readonly rotate: string;
  readonly expire: string | undefined;
  readonly latestRevision: number;
  readonly rotates: string | undefined;
  readonly access: { target: string; scope: string; role: string }[];
}

function accessTarget(target: string): string {
  return isValidUnit(target) ? `unit-${target.replace("/", "-")}` : `application-${target}`;
}

/** HookContext.SecretMetadata: owned secrets (as fetched at hook start) plus pending changes. */
function secretMetadata(session: HookSession): Map<string, Metadata> {
  const result = new Map<string, Metadata>();
  const changes = session.secrets;
  const access = (id: string, grants: readonly { relationId: number; target: string }[]) => {
    const all = [...grants, ...changes.grants.filter((grant) => grant.id === id)];
    const revoked = new Set(
      changes.revokes.filter((revoke) => revoke.id === id).map((revoke) => revoke.target),
    );
    return all
      .filter((grant) => !revoked.has(grant.target))
      .flatMap((grant) => {
        const relation = session.model.relations[grant.relationId];
        return relation
          ? [{ target: accessTarget(grant.target), scope: relationTag(relation), role: "view" }]
          : [];
      });
  };
  for (const create of changes.creates.values()) {
    result.set(create.id, {
      id: create.id,
      ownerKind: create.ownerKind,
      label: create.label ?? "",
      description: create.description ?? "",
      rotate: create.rotate ?? "",
      expire: create.expire,
      latestRevision: 1,
      rotates: nextRotateTime(create.rotate, session.now().getTime()),
      access: access(create.id, []),
    });
  }
  for (const id of session.ownedAtStart) {
    const secret = session.model.secrets[id];
    if (!secret || changes.removes.get(id) === "all") continue;
    const update = changes.updates.get(id);
    const latest = secret.revisions.at(-1);
    const rotate = update?.rotate ?? secret.rotate ?? "";
    result.set(id, {
      id,
      ownerKind: secret.ownerKind,
      label: update?.label ?? secret.label ?? "",
      description: update?.description ?? secret.description ?? "",
      rotate,
      expire: update?.expire ?? secret.expire,
      latestRevision: latest?.revision ?? 0,
      rotates:
        update?.rotate !== undefined
          ? nextRotateTime(update.rotate, session.now().getTime())
          : secret.nextRotate,
      access: access(id, secret.grants),
    });
  }
  return result;
}

/** Leadership check of UpdateSecret/RemoveSecret/GrantSecret for application-owned secrets. */
function requireManage(session: HookSession, md: Metadata | undefined): void {
  if (md && md.ownerKind === "application" && !session.isLeader()) fail(NOT_LEADER);
}

// --- reading ------------------------------------------------------------------------------------

/** getPendingSecretValue: a secret created (or, with peek/refresh, updated) earlier in this hook. */
function pendingValue(
  session: HookSession,
  id: string | undefined,
  label: string,
  refresh: boolean,
  peek: boolean,
): Record<string, string> | undefined {
  const changes = session.secrets;
  for (const create of changes.creates.values()) {
    if (id !== undefined && create.id === id) {
      if (label !== "") create.label = label;
      return { ...create.content };
    }
    if (label !== "" && create.label === label) return { ...create.content };
  }
  if (!refresh && !peek) return undefined;
  for (const update of changes.updates.values()) {
    const byId = id !== undefined && update.id === id;
    const byLabel = label !== "" && update.label === label;
    if (!byId && !byLabel) continue;
    if (byId && label !== "") update.label = label;
    if (refresh) changes.trackLatest.add(update.id);
    return update.content && Object.keys(update.content).length > 0 ? { ...update.content } : undefined;
  }
  return undefined;
}

/** Secrets this unit reads as an owner: its own unit secrets and its application's secrets. */
function ownerSide(session: HookSession, secret: Secret): boolean {
  if (secret.ownerKind === "unit") return secret.ownerUnit === session.unitName;
  return secret.ownerApp === session.appName;
}

/** A grant covers the unit (its application or the unit itself) through a relation that exists. */
function canRead(session: HookSession, secret: Secret): boolean {
  return secret.grants.some((grant) => {
    if (grant.target !== session.appName && grant.target !== session.unitName) return false;
    const relation = session.model.relations[grant.relationId];
    return relation !== undefined && relation.life !== "dead";
  });
}

function revisionContent(secret: Secret, revision: number): Record<string, string> {
  const found = secret.revisions.find((item) => item.revision === revision);
  if (!found) fail(`secret revision ${revision} for ${goQuote(secret.id)} not found`);
  return { ...(found as { content: Record<string, string> }).content };
}

/** getConsumedRevision: first read and --refresh track latest; --peek reads latest once. */
function consumedRevision(
  tracked: number | undefined,
  latest: number,
  refresh: boolean,
  peek: boolean,
): { want: number; track: number | undefined; save: boolean } {
  const mustRefresh = refresh || tracked === undefined;
  let want = tracked ?? latest;
  let track = tracked;
  if (mustRefresh || peek) {
    want = latest;
    if (mustRefresh) track = latest;
  }
  return { want, track, save: mustRefresh };
}

export function getSecret(
  session: HookSession,
  id: string | undefined,
  label: string,
  refresh: boolean,
  peek: boolean,
): Record<string, string> {
  if (id !== undefined) {
    const pending = pendingValue(session, id, label, refresh, peek);
    if (pending) return pending;
  }
  if (label !== "") {
    const pending = pendingValue(session, undefined, label, refresh, peek);
    if (pending) return pending;
  }
  const secrets = Object.values(session.model.secrets);
  // Owner path: the unit's own secrets and its application's secrets, by URI or owner label.
  const owned =
    id !== undefined
      ? secrets.find((secret) => secret.id === id && ownerSide(session, secret))
      : secrets.find((secret) => secret.label === label && ownerSide(session, secret));
  if (owned) {
    if (id !== undefined && label !== "") {
      // updateLabelForAppOwnedOrUnitOwnedSecret: owners (leader for app secrets) relabel at once.
      const isOwner =
        owned.ownerKind === "unit" ||
        session.model.applications[session.appName]?.leader === session.unitName;
      if (isOwner) owned.label = label;
    }
    const latest = owned.revisions.at(-1)?.revision ?? 0;
    const result = consumedRevision(owned.ownerTracked[session.unitName], latest, refresh, peek);
    if (result.track !== undefined) owned.ownerTracked[session.unitName] = result.track;
    return revisionContent(owned, result.want);
  }
  let secretId = id;
  if (secretId === undefined) {
    const byLabel = secrets.find((secret) => secret.consumers[session.unitName]?.label === label);
    if (!byLabel) fail(`consumer label ${goQuote(label)} not found`);
    secretId = (byLabel as Secret).id;
  }
  const secret = session.model.secrets[secretId as string];
  if (!secret) fail(`secret ${goQuote(secretId as string)} not found`);
  if (!canRead(session, secret as Secret)) fail("permission denied");
  const target = secret as Secret;
  const consumer = target.consumers[session.unitName];
  const latest = target.revisions.at(-1)?.revision ?? 0;
  const result = consumedRevision(consumer?.trackedRevision, latest, refresh, peek);
  const relabel = id !== undefined && label !== "";
  if (result.save || relabel) {
    // Reading makes the unit a consumer (SaveSecretConsumer), immediately.
    target.consumers[session.unitName] = {
      trackedRevision: result.track ?? latest,
      label: relabel ? label : consumer?.label,
    };
  }
  return revisionContent(target, result.want);
}

// --- commands -------------------------------------------------------------------------------------

interface UpsertFlags {
  readonly expire: Ref<string>;
  readonly rotate: Ref<string>;
  readonly description: Ref<string>;
  readonly label: Ref<string>;
  readonly file: Ref<string>;
  readonly owner: Ref<string>;
}

function upsertFlags(flags: FlagSet): UpsertFlags {
  return {
    expire: flags.string(["expire"], "either a duration or time when the secret should expire"),
    rotate: flags.string(["rotate"], "the secret rotation policy"),
    description: flags.string(["description"], "the secret description"),
    label: flags.string(["label"], "a label used to identify the secret in hooks"),
    file: flags.string(["file"], "a YAML file containing secret key values"),
    owner: flags.string(["owner"], "the owner of the secret, either the application or unit", "application"),
  };
}

/** secretUpsertCommand.Init: rotate policy, owner, expiry (returned), then content. */
function upsertInit(session: HookSession, flags: UpsertFlags): string | undefined {
  const expire = flags.expire.value !== "" ? parseExpire(session, flags.expire.value) : undefined;
  if (flags.rotate.value !== "" && !ROTATE_POLICIES.includes(flags.rotate.value)) {
    fail(`rotate policy ${goQuote(flags.rotate.value)} not valid`);
  }
  if (flags.owner.value !== "application" && flags.owner.value !== "unit") {
    fail(`secret owner ${goQuote(flags.owner.value)} not valid`);
  }
  return expire;
}

/** CreateSecretData(args), then `--file` values on top (file keys win, as in Juju). */
function upsertContent(io: ToolIO, flags: UpsertFlags, args: readonly string[]): Record<string, string> {
  const data = createSecretData(io, args);
  if (flags.file.value !== "") Object.assign(data, readSecretData(io, flags.file.value));
  return data;
}

const secretAdd: ToolDef = {
  name: "secret-add",
  args: "[key[#base64|#file]=value...]",
  purpose: "Add a new secret.",
  build(session, flags): CommandBody {
    const upsert = upsertFlags(flags);
    let expire: string | undefined;
    let content: Record<string, string> = {};
    return {
      init(positional, io) {
        if (positional.length < 1 && upsert.file.value === "") fail("missing secret value or filename");
        expire = upsertInit(session, upsert);
        content = upsertContent(io, upsert, positional);
      },
      run(ctx) {
        if (Object.keys(content).length === 0) fail("empty secret value not valid");
        const ownerKind = upsert.owner.value === "unit" ? "unit" : "application";
        if (ownerKind === "application" && !session.isLeader()) fail(NOT_LEADER);
        const label = upsert.label.value !== "" ? upsert.label.value : undefined;
        if (label !== undefined) {
          for (const md of secretMetadata(session).values()) {
            if (md.label === label) fail(`secret with label ${goQuote(label)} already exists`);
          }
        }
        let id = newSecretId(session.now());
        while (session.model.secrets[id] || session.secrets.creates.has(id)) id = newSecretId(session.now());
        session.secrets.creates.set(id, {
          id,
          ownerKind,
          label,
          description: upsert.description.value !== "" ? upsert.description.value : undefined,
          expire,
          rotate: upsert.rotate.value !== "" ? upsert.rotate.value : undefined,
          content,
        });
        ctx.stdout += `${secretURI(id)}\n`;
      },
    };
  },
};

const secretSet: ToolDef = {
  name: "secret-set",
  args: "<ID> [key[#base64]=value...]",
  purpose: "Update an existing secret.",
  build(session, flags): CommandBody {
    const upsert = upsertFlags(flags);
    let id = "";
    let expire: string | undefined;
    let content: Record<string, string> = {};
    return {
      init(positional, io) {
        if (positional.length < 1) fail("missing secret URI");
        id = parseSecretURI(positional[0] as string);
        expire = upsertInit(session, upsert);
        content = upsertContent(io, upsert, positional.slice(1));
      },
      run() {
        const md = secretMetadata(session).get(id);
        requireManage(session, md);
        const update: PendingSecretUpdate = session.secrets.updates.get(id) ?? { id };
        // Juju 3.6 coalesces several updates of one secret within a hook into one.
        if (Object.keys(content).length > 0) update.content = content;
        if (upsert.label.value !== "") update.label = upsert.label.value;
        if (upsert.description.value !== "") update.description = upsert.description.value;
        if (upsert.rotate.value !== "") update.rotate = upsert.rotate.value;
        if (expire !== undefined) update.expire = expire;
        session.secrets.updates.set(id, update);
      },
    };
  },
};

const secretGet: ToolDef = {
  name: "secret-get",
  args: "<ID> [key[#base64]]",
  purpose: "Get the content of a secret.",
  build(session, flags): CommandBody {
    const out = new Output(flags, "yaml", SERIALISABLE_FORMATTERS);
    const label = flags.string(["label"], "a label used to identify the secret in hooks");
    const peek = flags.bool(["peek"], "get the latest revision just this time");
    const refresh = flags.bool(
      ["refresh"],
      "get the latest revision and also get this same revision for subsequent calls",
    );
    let id: string | undefined;
    let key = "";
    return {
      init(args) {
        const rest = [...args];
        id = secretIdOrLabel(rest, label.value);
        if (peek.value && refresh.value) fail("specify one of --peek or --refresh but not both");
        if (rest.length > 0) key = rest.shift() as string;
        checkEmpty(rest);
      },
      run(ctx) {
        const values = getSecret(session, id, label.value, refresh.value, peek.value);
        if (key === "") {
          out.write(ctx, values);
          return;
        }
        const base64 = key.endsWith("#base64");
        const bare = base64 ? key.slice(0, -"#base64".length) : key;
        if (!Object.hasOwn(values, bare)) fail(`secret key value ${goQuote(bare)} not found`);
        const value = values[bare] as string;
        out.write(ctx, base64 ? Buffer.from(value, "utf8").toString("base64") : value);
      },
    };
  },
};

const secretRemove: ToolDef = {
  name: "secret-remove",
  args: "<ID>",
  purpose: "remove a existing secret",
  build(session, flags): CommandBody {
    const revision = flags.int(["revision"], "remove the specified revision");
    let id = "";
    return {
      init(args) {
        if (args.length < 1) fail("missing secret URI");
        id = parseSecretURI(args[0] as string);
        checkEmpty(args.slice(1));
      },
      run() {
        requireManage(session, secretMetadata(session).get(id));
        const removes = session.secrets.removes;
        if (revision.value > 0) {
          const existing = removes.get(id);
          if (existing === "all") return;
          const revisions = existing ?? new Set<number>();
          revisions.add(revision.value);
          removes.set(id, revisions);
        } else {
          removes.set(id, "all");
        }
      },
    };
  },
};

const secretGrant: ToolDef = {
  name: "secret-grant",
  args: "<ID>",
  purpose: "Grant access to a secret.",
  build(session, flags): CommandBody {
    const unit = flags.string(["unit"], "the unit to grant access");
    const relationId = relationIdFlag(session, flags, "the relation with which to associate the grant");
    let id = "";
    let app = "";
    return {
      init(args) {
        if (args.length < 1) fail("missing secret URI");
        id = parseSecretURI(args[0] as string);
        if (relationId.value === -1) fail("no relation id specified");
        app = session.remoteAppName(session.relation(relationId.value));
        if (unit.value !== "") {
          if (!isValidUnit(unit.value)) fail(`unit ${goQuote(unit.value)} not valid`);
          if (session.unitAppOf(unit.value) !== app) {
            fail(`cannot specify unit ${goQuote(unit.value)} in relation to application ${goQuote(app)}`);
          }
        }
        checkEmpty(args.slice(1));
      },
      run() {
        const md = secretMetadata(session).get(id);
        if (!md) fail(`secret ${goQuote(id)} not found`);
        requireManage(session, md);
        session.secrets.grants.push({
          id,
          relationId: relationId.value,
          target: unit.value !== "" ? unit.value : app,
        });
      },
    };
  },
};

const secretRevoke: ToolDef = {
  name: "secret-revoke",
  args: "<ID>",
  purpose: "Revoke access to a secret.",
  build(session, flags): CommandBody {
    const app = flags.string(["app", "application"], "the application to revoke access");
    const unit = flags.string(["unit"], "the unit to revoke access");
    const relationId = relationIdFlag(session, flags, "the relation for which to revoke the grant");
    let id = "";
    let target = "";
    return {
      init(args) {
        if (args.length < 1) fail("missing secret URI");
        id = parseSecretURI(args[0] as string);
        if (app.value !== "" && !isValidApplication(app.value))
          fail(`application ${goQuote(app.value)} not valid`);
        if (unit.value !== "" && !isValidUnit(unit.value)) fail(`unit ${goQuote(unit.value)} not valid`);
        if (app.value !== "" && unit.value !== "") fail("specify only one of application or unit");
        let appName = app.value;
        if (relationId.value >= 0) {
          const relation = session.relation(relationId.value);
          if (appName !== "") fail("do not specify both relation and app");
          appName = session.remoteAppName(relation);
        }
        if (appName === "" && unit.value === "") fail("missing relation or application or unit");
        // RevokeSecret is given the application and/or the unit; a unit names the narrower grant.
        target = unit.value !== "" ? unit.value : appName;
        checkEmpty(args.slice(1));
      },
      run() {
        const md = secretMetadata(session).get(id);
        if (!md) fail(`secret ${goQuote(id)} not found`);
        requireManage(session, md);
        session.secrets.revokes.push({ id, target });
      },
    };
  },
};

const secretIds: ToolDef = {
  name: "secret-ids",
  purpose: "Print secret IDs.",
  build(session, flags): CommandBody {
    const out = new Output(flags, "smart", DEFAULT_FORMATTERS);
    return {
      init: checkEmpty,
      run(ctx) {
        const ids = [...secretMetadata(session).keys()];
        out.write(ctx, new StringSlice(ids.length === 0 ? null : sortGoStrings(ids)));
      },
    };
  },
};

function metadataDisplay(md: Metadata): GoStruct {
  const fields: [string, GoValue][] = [
    ["revision", md.latestRevision],
    ["label", md.label],
    ["owner", md.ownerKind],
  ];
  if (md.description !== "") fields.push(["description", md.description]);
  if (md.rotate !== "") fields.push(["rotation", md.rotate]);
  if (md.expire !== undefined) fields.push(["expiry", new GoTime(md.expire)]);
  if (md.rotates !== undefined) fields.push(["rotates", new GoTime(md.rotates)]);
  if (md.access.length > 0) {
    fields.push([
      "access",
      md.access.map(
        (item) =>
          new GoStruct([
            ["target", item.target],
            ["scope", item.scope],
            ["role", item.role],
          ]),
      ),
    ]);
  }
  return new GoStruct(fields);
}

const secretInfoGet: ToolDef = {
  name: "secret-info-get",
  args: "<ID>",
  purpose: "Get a secret's metadata info.",
  build(session, flags): CommandBody {
    const out = new Output(flags, "yaml", SERIALISABLE_FORMATTERS);
    const label = flags.string(["label"], "a label used to identify the secret");
    let id: string | undefined;
    return {
      init(args) {
        const rest = [...args];
        id = secretIdOrLabel(rest, label.value);
        if (id !== undefined && label.value !== "") fail("specify either a secret URI or label but not both");
        checkEmpty(rest);
      },
      run(ctx) {
        const all = secretMetadata(session);
        const found =
          id !== undefined ? all.get(id) : [...all.values()].find((md) => md.label === label.value);
        if (!found) fail(`secret ${goQuote(id ?? label.value)} not found`);
        const md = found as Metadata;
        out.write(ctx, { [md.id]: metadataDisplay(md) });
      },
    };
  },
};

export const SECRET_TOOLS: readonly ToolDef[] = [
  secretAdd,
  secretGet,
  secretSet,
  secretRemove,
  secretGrant,
  secretRevoke,
  secretIds,
  secretInfoGet,
];

// --- commit ---------------------------------------------------------------------------------------

/**
 * The secret part of CommitHookChanges: the controller checks ownership (and leadership for
 * application-owned secrets) of everything the hook changed.
 */
export function prepareSecretsCommit(session: HookSession): Array<() => void> {
  const changes = session.secrets;
  const touched =
    changes.creates.size +
    changes.updates.size +
    changes.removes.size +
    changes.grants.length +
    changes.revokes.length;
  if (touched === 0 && changes.trackLatest.size === 0) return [];
  const model = session.model;
  const leader = model.applications[session.appName]?.leader === session.unitName;
  const manageable = (id: string): "ok" | "missing" | "denied" => {
    const create = changes.creates.get(id);
    if (create) return create.ownerKind === "unit" || leader ? "ok" : "denied";
    const secret = model.secrets[id];
    if (!secret) return "missing";
    if (secret.ownerKind === "unit") return secret.ownerUnit === session.unitName ? "ok" : "denied";
    return secret.ownerApp === session.appName && leader ? "ok" : "denied";
  };
  const check = (id: string): void => {
    const verdict = manageable(id);
    if (verdict === "missing") fail(`secret ${goQuote(id)} not found`);
    if (verdict === "denied") fail("permission denied");
  };
  for (const create of changes.creates.values()) {
    if (create.ownerKind === "application" && !leader) fail(NOT_LEADER);
  }
  for (const id of changes.updates.keys()) check(id);
  for (const id of changes.removes.keys()) check(id);
  for (const grant of changes.grants) {
    check(grant.id);
    const relation = model.relations[grant.relationId];
    if (!relation) fail(`relation ${grant.relationId} not found`);
  }
  for (const revoke of changes.revokes) check(revoke.id);
  // Owner labels are unique per owner.
  const labels = new Map<string, string>();
  const ownerKey = (kind: string, app: string, unit: string | undefined): string =>
    kind === "unit" ? `unit:${unit}` : `app:${app}`;
  for (const secret of Object.values(model.secrets)) {
    if (secret.label !== undefined)
      labels.set(
        `${ownerKey(secret.ownerKind, secret.ownerApp, secret.ownerUnit)}#${secret.label}`,
        secret.id,
      );
  }
  const claim = (id: string, kind: string, label: string | undefined): void => {
    if (label === undefined) return;
    const key = `${ownerKey(kind, session.appName, session.unitName)}#${label}`;
    const holder = labels.get(key);
    if (holder !== undefined && holder !== id) fail(`secret with label ${goQuote(label)} already exists`);
    labels.set(key, id);
  };
  for (const create of changes.creates.values()) claim(create.id, create.ownerKind, create.label);
  for (const update of changes.updates.values()) {
    const kind = changes.creates.get(update.id)?.ownerKind ?? model.secrets[update.id]?.ownerKind ?? "unit";
    claim(update.id, kind, update.label);
  }

  const now = session.nowIso();
  const nowMs = session.now().getTime();
  const steps: Array<() => void> = [];
  for (const create of changes.creates.values()) {
    steps.push(() => {
      model.secrets[create.id] = {
        id: create.id,
        ownerKind: create.ownerKind,
        ownerApp: session.appName,
        ownerUnit: create.ownerKind === "unit" ? session.unitName : undefined,
        label: create.label,
        description: create.description,
        expire: create.expire,
        rotate: create.rotate,
        nextRotate: nextRotateTime(create.rotate, nowMs),
        revisions: [
          {
            revision: 1,
            content: { ...create.content },
            created: now,
            expire: create.expire,
            expireDue: create.expire,
          },
        ],
        grants: [],
        consumers: {},
        ownerTracked: {},
      };
    });
  }
  for (const update of changes.updates.values()) {
    steps.push(() => {
      const secret = model.secrets[update.id];
      if (!secret) return;
      if (update.label !== undefined) secret.label = update.label;
      if (update.description !== undefined) secret.description = update.description;
      if (update.rotate !== undefined) {
        secret.rotate = update.rotate;
        secret.nextRotate = nextRotateTime(update.rotate, nowMs);
      }
      if (update.expire !== undefined) secret.expire = update.expire;
      const latest = secret.revisions.at(-1);
      // Identical content does not make a new revision; an expiry applies to the latest revision.
      if (update.content && !(latest && sameContent(latest.content, update.content))) {
        secret.revisions.push({
          revision: (latest?.revision ?? 0) + 1,
          content: { ...update.content },
          created: now,
          expire: update.expire,
          expireDue: update.expire,
        });
      } else if (latest && update.expire !== undefined) {
        latest.expire = update.expire;
        latest.expireDue = update.expire;
      }
    });
  }
  for (const grant of changes.grants) {
    steps.push(() => {
      const secret = model.secrets[grant.id];
      if (!secret) return;
      const exists = secret.grants.some(
        (item) => item.relationId === grant.relationId && item.target === grant.target,
      );
      if (!exists) secret.grants.push({ relationId: grant.relationId, target: grant.target });
    });
  }
  for (const revoke of changes.revokes) {
    steps.push(() => {
      const secret = model.secrets[revoke.id];
      if (secret) secret.grants = secret.grants.filter((grant) => grant.target !== revoke.target);
    });
  }
  for (const id of changes.trackLatest) {
    steps.push(() => {
      const secret = model.secrets[id];
      const latest = secret?.revisions.at(-1)?.revision;
      if (!secret || latest === undefined) return;
      if (ownerSide(session, secret)) {
        secret.ownerTracked[session.unitName] = latest;
      } else {
        const consumer = secret.consumers[session.unitName];
        secret.consumers[session.unitName] = { trackedRevision: latest, label: consumer?.label };
      }
    });
  }
  for (const [id, removal] of changes.removes) {
    steps.push(() => {
      const secret = model.secrets[id];
      if (!secret) return;
      if (removal === "all") {
        delete model.secrets[id];
        return;
      }
      secret.revisions = secret.revisions.filter((revision) => !removal.has(revision.revision));
      if (secret.revisions.length === 0) delete model.secrets[id];
    });
  }
  return steps;
}
