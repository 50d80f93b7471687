/**
 * The provider side of the `zookeeper` relation, run by the Juju leader: one user per relation
 * (`relation-<id>`), the requested chroot znode with ACLs for that user only (sasl and digest, the
 * requested permissions, applied to every existing child), and the connection data the client
 * reads — published only once every server has loaded the user. Fields named in `requested-secrets`
 * travel in a Juju secret granted to the relation, as data_interfaces requirers expect.
 */
import { field, type Hook, type Relation } from "../../lib/juju";
import type { Acl, EnsembleConfig, ZooKeeperManager } from "../../lib/zookeeper";
import { digestAcl, sameAcls, saslAcl, worldAcl } from "../../lib/zookeeper/acl";
import { type Credentials, clientUsername, generatePassword } from "../cluster/credentials";
import {
  type ClientRequest,
  type ParsedRequest,
  parseClientRequest,
  resolveConflicts,
} from "./client-request";

export const CLIENT_ENDPOINT = "zookeeper";

/** What the leader remembers per client relation (peer app data `clients`), to repair and clean up. */
export interface GrantedClient {
  readonly chroot: string;
  readonly perms: string;
  /** The Juju secrets (by group: `user`, `tls`) holding fields the client asked to receive as secrets. */
  readonly secrets?: Readonly<Record<string, string>>;
}

export type GrantedClients = Readonly<Record<string, GrantedClient>>;

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

/** The client passwords the credentials should hold: one per accepted relation, others dropped. */
export function clientPasswords(credentials: Credentials, view: ClientView): Map<number, string> {
  const passwords = new Map<number, string>();
  for (const request of view.accepted) {
    passwords.set(request.relationId, credentials.clients.get(request.relationId) ?? generatePassword());
  }
  return passwords;
}

function aclFor(request: ClientRequest, password: string): Acl[] {
  const username = clientUsername(request.relationId);
  return [saslAcl(username, request.perms), digestAcl(username, password, request.perms)];
}

export function parseGranted(raw: string | undefined): Record<string, GrantedClient> {
  if (!raw) return {};
  try {
    const value: unknown = JSON.parse(raw);
    return value && typeof value === "object" ? (value as Record<string, GrantedClient>) : {};
  } catch {
    return {};
  }
}

/**
 * ZooKeeper creates `/` open to everyone (world:anyone cdrwa): any client could create top-level
 * znodes or delete another client's empty chroot. Clients work inside their chroots, so `/` is made
 * readable only; the super user is not bound by ACLs.
 */
export async function secureRoot(zk: ZooKeeperManager): Promise<void> {
  const wanted = [worldAcl("r")];
  const { acl } = await zk.getACL("/");
  if (!sameAcls(acl, wanted)) await zk.setACL("/", wanted);
}

/** True when applyAcls has something to do: a new or changed client, or a gone one to clean up. */
export function aclWorkPending(view: ClientView, granted: Readonly<Record<string, GrantedClient>>): boolean {
  const changed = view.accepted.some((request) => {
    const previous = granted[String(request.relationId)];
    return previous?.chroot !== request.chroot || previous.perms !== request.perms;
  });
  const live = new Set(view.accepted.map((request) => String(request.relationId)));
  return changed || Object.keys(granted).some((key) => !live.has(key));
}

/**
 * Creates each accepted client's chroot with its ACL (applied to every existing child), and resets
 * the ACL of chroots whose relation is gone to the super user only: their data stays (documented),
 * and a later relation asking for the same chroot gets access again.
 */
export async function applyAcls(
  zk: ZooKeeperManager,
  view: ClientView,
  credentials: Credentials,
  granted: Readonly<Record<string, GrantedClient>>,
  superAcl: Acl,
): Promise<Record<string, GrantedClient>> {
  const next: Record<string, GrantedClient> = {};
  for (const request of view.accepted) {
    const key = String(request.relationId);
    const previous = granted[key];
    const password = credentials.clients.get(request.relationId);
    if (!password) continue;
    if (previous?.chroot !== request.chroot || previous.perms !== request.perms) {
      await zk.ensurePath(request.chroot, { acl: aclFor(request, password) });
      await zk.setACLRecursive(request.chroot, aclFor(request, password));
      if (previous && previous.chroot !== request.chroot) await resetAcl(zk, previous.chroot, superAcl);
    }
    next[key] = { ...previous, chroot: request.chroot, perms: request.perms };
  }
  for (const [key, previous] of Object.entries(granted)) {
    if (next[key] || Object.values(next).some((client) => client.chroot === previous.chroot)) continue;
    await resetAcl(zk, previous.chroot, superAcl);
  }
  return next;
}

async function resetAcl(zk: ZooKeeperManager, chroot: string, superAcl: Acl): Promise<void> {
  if (await zk.exists(chroot)) await zk.setACLRecursive(chroot, [superAcl]);
}

function endpointsOf(config: EnsembleConfig): string[] {
  return config.servers
    .filter((server) => server.role === "participant")
    .map((server) => `${server.clientAddress ?? server.address}:${server.clientPort ?? 2181}`)
    .sort();
}

/**
 * Writes (or updates) what each accepted client reads; removes it from refused ones. `ready` says
 * every server runs with the current client users, so SASL logins work on every member.
 */
export function publish(
  hook: Hook,
  view: ClientView,
  credentials: Credentials,
  committed: EnsembleConfig,
  granted: Record<string, GrantedClient>,
  ready: boolean,
): void {
  const endpoints = endpointsOf(committed).join(",");
  for (const item of view.parsed) {
    const relationId = item.kind === "request" ? item.request.relationId : item.relationId;
    const relation = view.relations.get(relationId);
    if (!relation) continue;
    if (item.kind !== "request") {
      if (item.kind === "refused") {
        hook.log.warn({ relation: relationId, app: item.app }, `refused client request: ${item.reason}`);
        hook.reportApp({ name: "blocked", message: `relation ${relationId} (${item.app}): ${item.reason}` });
        hook.report({ name: "blocked", message: `client ${item.app} refused: ${item.reason}` });
      }
      relation.setLocalAppData(CLIENT_DATA_SCHEMA, NOTHING_PUBLISHED);
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
      tls: "disabled",
    };
    const plain: Record<string, string | null> = { ...values, "secret-user": null, "secret-tls": null };
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
    if (granted[key]) granted[key] = { ...granted[key], secrets };
    relation.setLocalAppData(CLIENT_DATA_SCHEMA, plain as ClientData);
  }
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
