/**
 * The provider side of the `zookeeper` relation, run by the Juju leader: one user per relation
 * (`relation-<id>`), the requested chroot znode with ACLs for that user only (sasl and digest, the
 * requested permissions, applied to every existing child), and the connection data the client
 * reads — published only once every server has loaded the user. Fields named in `requested-secrets`
 * travel in a Juju secret granted to the relation, as data_interfaces requirers expect.
 */
import { blocked, field, type Hook, type Relation, type Status } from "../../lib/juju";
import type { Acl, EnsembleConfig } from "../../lib/zookeeper";
import { digestAcl, sameAcls, saslAcl, worldAcl } from "../../lib/zookeeper/acl";
import { type Credentials, clientUsername, generatePassword } from "../cluster/credentials";
import type { ZnodeSession } from "../ports/ensemble";
import { PORTS } from "../workload/paths";
import {
  type ClientRequest,
  type ParsedRequest,
  parseClientRequest,
  resolveConflicts,
} from "./client-request";

export const CLIENT_ENDPOINT = "zookeeper";

/** What the leader remembers per client relation (peer app data `clients`), to repair and clean up. */
import type { GrantedClient, GrantedClients } from "./granted";

export type { GrantedClient, GrantedClients };

/** Fields the provider publishes, grouped as data_interfaces groups them into secrets. */
const SECRET_GROUPS: Readonly<Record<string, readonly string[]>> = {
  user: ["username", "password", "uris"],
  tls: ["tls", "tls-ca"],
};

/** What the provider writes into its application bag of each client relation. */
const CLIENT_DATA_SCHEMA = {
  username: field.string(),
  password: field.string({ secret: true }),
  endpoints: field.string(),
  uris: field.string(),
  database: field.string(),
  chroot: field.string(),
  tls: field.string(),
  /** The CA chain a TLS client must trust (the interface asks for it; the Python charm never sent it). */
  "tls-ca": field.string(),
  /** The ZooKeeper version the ensemble runs (the interface asks for it too). */
  version: field.string(),
  "secret-user": field.string(),
  "secret-tls": field.string(),
} as const;
type ClientData = { -readonly [K in keyof typeof CLIENT_DATA_SCHEMA]?: string | null };

const NOTHING_PUBLISHED: ClientData = Object.fromEntries(
  Object.keys(CLIENT_DATA_SCHEMA).map((name) => [name, null]),
);

export interface ClientView {
  readonly parsed: readonly ParsedRequest[];
  readonly accepted: readonly ClientRequest[];
  readonly relations: ReadonlyMap<number, Relation>;
}

/** The client relations that are still alive (the one being broken in this hook is gone). */
export function readClients(hook: Hook): ClientView {
  const broken = hook.context.kind === "relation-broken" ? hook.context.relation : undefined;
  const relations = new Map<number, Relation>();
  const parsed: ParsedRequest[] = [];
  for (const relation of hook.model.relations(CLIENT_ENDPOINT)) {
    if (broken && broken.endpoint === CLIENT_ENDPOINT && broken.id === relation.id) continue;
    const app = relation.remoteApp;
    if (!app) continue;
    relations.set(relation.id, relation);
    parsed.push(parseClientRequest(relation.id, app, relation.rawAppData(app)));
  }
  const resolved = resolveConflicts(parsed);
  const accepted = resolved.flatMap((item) => (item.kind === "request" ? [item.request] : []));
  return { parsed: resolved, accepted, relations };
}

/**
 * The client passwords the credentials should hold: one per related client application, whatever
 * its request says. A request that changes, is refused or carries a stray bad key never revokes
 * working credentials, and never changes the servers' SASL users: only relating and unrelating do,
 * so only they roll the ensemble.
 */
export function clientPasswords(credentials: Credentials, view: ClientView): Map<number, string> {
  const passwords = new Map<number, string>();
  for (const relationId of [...view.relations.keys()].sort((a, b) => a - b)) {
    passwords.set(relationId, credentials.clients.get(relationId) ?? generatePassword());
  }
  return passwords;
}

function aclFor(relationId: number, password: string, perms: string): Acl[] {
  const username = clientUsername(relationId);
  return [saslAcl(username, perms), digestAcl(username, password, perms)];
}

/** ZooKeeper's quota subtree (`Quotas.quotaZookeeper`) and its per-path node names. */
const QUOTA_ROOT = "/zookeeper/quota";
const QUOTA_LIMITS = "zookeeper_limits";
const QUOTA_STATS = "zookeeper_stats";

/** The hard limits each client's chroot gets (config `client-quota-bytes`, `client-quota-znodes`). */
export interface QuotaLimits {
  /** Data bytes under the chroot; 0: no limit. */
  readonly bytes: number;
  /** Znodes under the chroot, itself included; 0: no limit. */
  readonly znodes: number;
}

export interface AclPolicy {
  readonly superAcl: Acl;
  readonly quota: QuotaLimits;
}

/**
 * The ACLs the leader asserts on ZooKeeper's own znodes, every pass. ZooKeeper creates
 * `/zookeeper` and `/zookeeper/quota` open to everyone, and its digest scheme accepts any made-up
 * identity (`digest evil:evil` counts as authenticated for `enforce.auth`), so without this anyone
 * could fill `/zookeeper` until every server runs out of heap, or take it over with setAcl.
 * - `/zookeeper`, `/zookeeper/quota`: the super user only (ZooKeeper never checks a parent's ACL to
 *   read a child, so clients still read `/zookeeper/config`).
 * - `/zookeeper/config`: readable by everyone, as ZooKeeper creates it (Curator's EnsembleTracker
 *   reads it); only reconfig changes it, and only the super user may reconfig.
 * `/` and the parents of chroots are set by applyAcls.
 */
export function treeAcls(superAcl: Acl): ReadonlyMap<string, Acl[]> {
  return new Map([
    ["/zookeeper", [superAcl]],
    [QUOTA_ROOT, [superAcl]],
    ["/zookeeper/config", [worldAcl("r")]],
  ]);
}

/** Sets each znode's ACL where it differs; returns what it had to repair. */
export async function secureTree(
  zk: ZnodeSession,
  wanted: ReadonlyMap<string, readonly Acl[]>,
): Promise<string[]> {
  const repaired: string[] = [];
  for (const [path, acl] of wanted) {
    if (await setAclIfDifferent(zk, path, acl)) repaired.push(`${path}: ACL restored`);
  }
  return repaired;
}

async function setAclIfDifferent(zk: ZnodeSession, path: string, acl: readonly Acl[]): Promise<boolean> {
  const current = await zk.getACL(path);
  if (sameAcls(current.acl, acl)) return false;
  await zk.setACL(path, acl);
  return true;
}

/** `/a/b/c` → `["/", "/a", "/a/b"]`. */
function ancestorsOf(path: string): string[] {
  const parts = path.split("/").filter(Boolean);
  return ["/", ...parts.slice(0, -1).map((_, index) => `/${parts.slice(0, index + 1).join("/")}`)];
}

/**
 * The ACL of `/` and of every parent of a served chroot: the super user, plus CREATE — and nothing
 * else — on a chroot's direct parent for that chroot's client. Kafka makes sure its chroot exists by
 * creating it from a session without the chroot, and ZooKeeper checks CREATE on the parent before it
 * answers NodeExists, so without it a broker cannot start. No READ, so no client lists the other
 * tenants; no DELETE, so no client can remove another's chroot and recreate it for itself.
 */
function parentAcls(
  served: readonly { readonly relationId: number; readonly chroot: string }[],
  credentials: Credentials,
  superAcl: Acl,
): Map<string, Acl[]> {
  const parents = new Map<string, Acl[]>([["/", [superAcl]]]);
  for (const client of served) {
    const ancestors = ancestorsOf(client.chroot);
    for (const parent of ancestors) if (!parents.has(parent)) parents.set(parent, [superAcl]);
    const password = credentials.clients.get(client.relationId);
    if (password) parents.get(ancestors.at(-1)!)!.push(...aclFor(client.relationId, password, "c"));
  }
  return parents;
}

/**
 * ZooKeeper's hard quota for `chroot` (ZooKeeper >= 3.7, enforced with `zookeeper.enforceQuota`):
 * `zookeeper_limits` holds the limits in StatsTrack's form, and creating `zookeeper_stats` after it
 * makes the server count what the subtree already holds. Both are the super user's alone.
 */
async function ensureQuota(zk: ZnodeSession, chroot: string, policy: AclPolicy): Promise<void> {
  const { bytes, znodes } = policy.quota;
  if (bytes === 0 && znodes === 0) {
    await removeQuota(zk, chroot);
    return;
  }
  const base = `${QUOTA_ROOT}${chroot}`;
  const acl = [policy.superAcl];
  // StatsTrack.toString: count and bytes first (no soft limit: -1), the extra `=` the pre-3.7
  // parser needs, then the other keys sorted.
  const limits = `count=-1,bytes=-1=;byteHardLimit=${bytes || -1};countHardLimit=${znodes || -1}`;
  await zk.ensurePath(base, { acl });
  const limitsPath = `${base}/${QUOTA_LIMITS}`;
  if (!(await zk.exists(limitsPath))) await zk.create(limitsPath, limits, { acl });
  else if ((await zk.getData(limitsPath)).data.toString() !== limits) await zk.setData(limitsPath, limits);
  const statsPath = `${base}/${QUOTA_STATS}`;
  if (!(await zk.exists(statsPath))) await zk.create(statsPath, "count=0,bytes=0", { acl });
}

async function removeQuota(zk: ZnodeSession, chroot: string): Promise<void> {
  for (const name of [QUOTA_STATS, QUOTA_LIMITS]) {
    const path = `${QUOTA_ROOT}${chroot}/${name}`;
    if (await zk.exists(path)) await zk.delete(path);
  }
}

export interface AclOutcome {
  /** What the leader now serves, by relation id (peer app data `clients`). */
  readonly granted: Record<string, GrantedClient>;
  /** Tampering found and undone (a chroot deleted, an ACL changed), for the log. */
  readonly repaired: readonly string[];
}

/**
 * Asserted on every pass, so tampering is undone at the next hook: each accepted client's chroot
 * exists with its ACL (for that user only, applied to every existing child when it changes), its
 * parents belong to the super user with nothing for a client but CREATE on its chroot's direct
 * parent (parentAcls: with delete on a shared parent one client could remove another's empty
 * chroot and recreate it for itself), and its hard quota is set. A chroot whose relation is gone or moved keeps its data
 * (documented), with its ACL reset to the super user only and its quota removed; a later relation
 * asking for the same chroot gets access again.
 */
export async function applyAcls(
  zk: ZnodeSession,
  view: ClientView,
  credentials: Credentials,
  granted: Readonly<Record<string, GrantedClient>>,
  policy: AclPolicy,
): Promise<AclOutcome> {
  const superOnly = [policy.superAcl];
  const next: Record<string, GrantedClient> = {};
  const repaired: string[] = [];
  for (const request of view.accepted) {
    const key = String(request.relationId);
    const previous = granted[key];
    const password = credentials.clients.get(request.relationId);
    if (!password) continue;
    const acl = aclFor(request.relationId, password, request.perms);
    // Missing parents are created as the super user's (parentAcls below adds the client's CREATE).
    await zk.ensurePath(ancestorsOf(request.chroot).at(-1)!, { acl: superOnly });
    const served = previous?.chroot === request.chroot && previous.perms === request.perms;
    if (!(await zk.exists(request.chroot))) {
      await zk.ensurePath(request.chroot, { acl });
      if (served) repaired.push(`${request.chroot}: deleted; recreated for relation ${key}`);
    } else if (!served) {
      await zk.setACLRecursive(request.chroot, acl);
    } else if (!sameAcls((await zk.getACL(request.chroot)).acl, acl)) {
      await zk.setACLRecursive(request.chroot, acl);
      repaired.push(`${request.chroot}: ACL restored for relation ${key}`);
    }
    await ensureQuota(zk, request.chroot, policy);
    next[key] = { ...previous, chroot: request.chroot, perms: request.perms };
  }
  // A relation whose request is now refused or incomplete keeps what it was granted until the
  // request is fixed or the relation goes: a stray bad key never revokes working access.
  for (const relationId of view.relations.keys()) {
    const key = String(relationId);
    if (!next[key] && granted[key]) next[key] = granted[key];
  }
  const servedClients = Object.entries(next).map(([key, client]) => ({
    relationId: Number(key),
    chroot: client.chroot,
  }));
  for (const [parent, acl] of parentAcls(servedClients, credentials, policy.superAcl)) {
    await setAclIfDifferent(zk, parent, acl);
  }
  const served = new Set(servedClients.map((client) => client.chroot));
  for (const previous of Object.values(granted)) {
    if (served.has(previous.chroot)) continue;
    if (await zk.exists(previous.chroot)) await zk.setACLRecursive(previous.chroot, superOnly);
    await removeQuota(zk, previous.chroot);
  }
  return { granted: next, repaired };
}

/** Each voter's client address; with TLS, on the secure port (which the dynamic config cannot name). */
function endpointsOf(config: EnsembleConfig, secure: boolean): string[] {
  return config.servers
    .filter((server) => server.role === "participant")
    .map(
      (server) =>
        `${server.clientAddress ?? server.address}:${secure ? PORTS.secureClient : (server.clientPort ?? PORTS.client)}`,
    )
    .sort();
}

/** What publish() did: the grants with the secrets each client now has, and the refusals to report. */
export interface Published {
  readonly granted: Record<string, GrantedClient>;
  /** Blocked statuses for the unit and for the application, one per refused client. */
  readonly refusals: readonly { readonly unit: Status; readonly app: Status }[];
}

/**
 * Writes (or updates) what each accepted client reads; removes it from refused ones. `ready` says
 * every server runs with the current client users, so SASL logins work on every member. `granted`
 * is left as it was; the result holds the grants with their secrets and the refusals to report.
 */
export function publish(
  hook: Hook,
  view: ClientView,
  credentials: Credentials,
  committed: EnsembleConfig,
  granted: Readonly<Record<string, GrantedClient>>,
  ready: boolean,
  ensemble: { readonly tlsCa?: string | undefined; readonly version?: string | undefined } = {},
): Published {
  const { tlsCa, version } = ensemble;
  const result: Record<string, GrantedClient> = { ...granted };
  const refusals: { unit: Status; app: Status }[] = [];
  const endpoints = endpointsOf(committed, tlsCa !== undefined).join(",");
  for (const item of view.parsed) {
    const relationId = item.kind === "request" ? item.request.relationId : item.relationId;
    const relation = view.relations.get(relationId);
    if (!relation) continue;
    if (item.kind !== "request") {
      // What a relation was served stays published while its request is refused or incomplete.
      const servedBefore = granted[String(relationId)] !== undefined;
      if (item.kind === "refused") {
        hook.log.warn({ relation: relationId, app: item.app }, `refused client request: ${item.reason}`);
        refusals.push({
          unit: blocked(`client ${item.app} refused: ${item.reason}`),
          app: blocked(`relation ${relationId} (${item.app}): ${item.reason}`),
        });
      }
      if (!servedBefore) relation.setLocalAppData(CLIENT_DATA_SCHEMA, NOTHING_PUBLISHED);
      continue;
    }
    const request = item.request;
    const password = credentials.clients.get(relationId);
    if (!ready || !password) continue;
    const values: Record<string, string> = {
      username: clientUsername(relationId),
      password,
      endpoints,
      uris: `${endpoints}${request.chroot}`,
      database: request.chroot,
      chroot: request.chroot,
      tls: tlsCa ? "enabled" : "disabled",
      ...(tlsCa ? { "tls-ca": tlsCa } : {}),
      ...(version ? { version } : {}),
    };
    const plain: Record<string, string | null> = {
      "tls-ca": null,
      ...values,
      "secret-user": null,
      "secret-tls": null,
    };
    const key = String(relationId);
    const secrets: Record<string, string> = { ...granted[key]?.secrets };
    for (const [group, fields] of Object.entries(SECRET_GROUPS)) {
      const wanted = fields.filter(
        (name) => request.requestedSecrets.includes(name) && values[name] !== undefined,
      );
      if (wanted.length === 0) continue;
      const content = Object.fromEntries(wanted.map((name) => [name, values[name]!]));
      for (const name of wanted) plain[name] = null;
      secrets[group] = upsertSecret(hook, relation, content, secrets[group]);
      plain[`secret-${group}`] = secrets[group]!;
    }
    if (result[key]) result[key] = { ...result[key], secrets };
    relation.setLocalAppData(CLIENT_DATA_SCHEMA, plain as ClientData);
  }
  return { granted: result, refusals };
}

/** Creates the secret (granted to the relation) or gives it new content when that changed. */
function upsertSecret(
  hook: Hook,
  relation: Relation,
  content: Record<string, string>,
  known: string | undefined,
): string {
  const secrets = hook.model.secrets;
  if (!known) {
    const uri = secrets.add(content, {
      label: `${CLIENT_ENDPOINT}.${relation.id}.${Object.keys(content).includes("tls") ? "tls" : "user"}.secret`,
      description: `zookeeper connection data for relation ${relation.id}`,
    });
    secrets.grant(uri, relation);
    return uri;
  }
  const current = secrets.get({ id: known, refresh: true });
  if (JSON.stringify(current) !== JSON.stringify(content)) secrets.update(known, content);
  return known;
}

/** Removes the Juju secrets of clients that are gone. */
export function removeClientSecrets(hook: Hook, granted: GrantedClients, live: ReadonlySet<string>): void {
  for (const [key, record] of Object.entries(granted)) {
    if (live.has(key)) continue;
    for (const uri of Object.values(record.secrets ?? {})) {
      try {
        hook.model.secrets.remove(uri);
      } catch (error) {
        hook.log.warn({ relation: key, error: String(error) }, "could not remove a client secret");
      }
    }
  }
}
