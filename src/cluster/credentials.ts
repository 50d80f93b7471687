/**
 * Every password the ensemble uses, kept in one app-owned Juju secret the leader writes and every
 * unit reads: the `super` admin user, the quorum (`sync`) identity, and one user per client relation.
 * Rotations overlap old and new credentials so the ensemble never loses quorum and the charm never
 * loses admin access (reference-charm §4 describes how the Python charm isolates members instead).
 */
import { createHash, randomInt } from "node:crypto";
import type { Model, Relation } from "../../lib/juju";
import type { DigestAuth } from "../../lib/zookeeper";
import { digestCredential } from "../../lib/zookeeper/acl";
import { QUORUM_USERS, SUPER_USER } from "../workload/paths";
import { PEER_APP_SCHEMA } from "./peer-data";

export interface QuorumIdentity {
  readonly username: string;
  readonly password: string;
}

export interface Credentials {
  readonly super: string;
  /** The super password being replaced, while servers still run with its digest. */
  readonly superPrevious: string | undefined;
  /** The identity servers authenticate to each other with (JAAS QuorumLearner). */
  readonly sync: QuorumIdentity;
  /** The identity a sync rotation moves to; accepted everywhere before anyone uses it. */
  readonly syncNext: QuorumIdentity | undefined;
  /** Client relation id → that relation's password (user `relation-<id>`). */
  readonly clients: ReadonlyMap<number, string>;
}

/** Where a sync rotation stands (peer app data `sync-rotation`). */
export type SyncRotationPhase = "accept" | "switch";

const ALPHANUMERIC = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
const CLIENT_KEY = /^relation-(\d+)$/;

/** 32 random alphanumerics from a CSPRNG, as the Python charm generates them. */
export function generatePassword(length = 32): string {
  let out = "";
  for (let i = 0; i < length; i += 1) out += ALPHANUMERIC[randomInt(ALPHANUMERIC.length)];
  return out;
}

export function secretLabel(app: string): string {
  // The Python charm's label (`<relation>.<app>.app`), so `juju show-secret cluster.zookeeper.app` works the same.
  return `cluster.${app}.app`;
}

export function clientUsername(relationId: number): string {
  return `relation-${relationId}`;
}

export function parseCredentials(
  content: Readonly<Record<string, string>> | undefined,
): Credentials | undefined {
  const superPassword = content?.["super-password"];
  const syncPassword = content?.["sync-password"];
  if (!content || !superPassword || !syncPassword) return undefined;
  const clients = new Map<number, string>();
  for (const [key, value] of Object.entries(content)) {
    const match = CLIENT_KEY.exec(key);
    if (match && value) clients.set(Number(match[1]), value);
  }
  const nextUser = content["sync-next-username"];
  const nextPassword = content["sync-next-password"];
  return {
    super: superPassword,
    superPrevious: content["super-password-previous"] || undefined,
    sync: { username: content["sync-username"] || QUORUM_USERS[0], password: syncPassword },
    syncNext: nextUser && nextPassword ? { username: nextUser, password: nextPassword } : undefined,
    clients,
  };
}

export function serializeCredentials(credentials: Credentials): Record<string, string> {
  const content: Record<string, string> = {
    "super-password": credentials.super,
    "sync-username": credentials.sync.username,
    "sync-password": credentials.sync.password,
  };
  if (credentials.superPrevious) content["super-password-previous"] = credentials.superPrevious;
  if (credentials.syncNext) {
    content["sync-next-username"] = credentials.syncNext.username;
    content["sync-next-password"] = credentials.syncNext.password;
  }
  for (const [id, password] of [...credentials.clients.entries()].sort(([a], [b]) => a - b)) {
    content[clientUsername(id)] = password;
  }
  return content;
}

/** The digest identities the charm's admin sessions present: the current super and, mid-rotation, the old. */
export function adminIdentities(credentials: Credentials): DigestAuth[] {
  const identities = [{ username: SUPER_USER, password: credentials.super }];
  if (credentials.superPrevious)
    identities.push({ username: SUPER_USER, password: credentials.superPrevious });
  return identities;
}

export interface QuorumJaas {
  readonly accepted: readonly QuorumIdentity[];
  readonly learner: QuorumIdentity;
}

/**
 * Which quorum identities servers accept and use. A sync rotation takes three rolling restarts:
 * accept the new identity everywhere (learners still use the old), then use it (every server
 * already accepts it), then stop accepting the old one. At no point does a restarted server present
 * an identity that a not-yet-restarted peer refuses, so quorum holds throughout.
 */
export function quorumJaas(credentials: Credentials, phase: SyncRotationPhase | undefined): QuorumJaas {
  if (!credentials.syncNext) return { accepted: [credentials.sync], learner: credentials.sync };
  return {
    accepted: [credentials.sync, credentials.syncNext],
    learner: phase === "switch" ? credentials.syncNext : credentials.sync,
  };
}

/**
 * A short fingerprint of every credential a server loads at start. Units publish the fingerprint
 * of what their running server loaded; the leader compares it with this to know when a rotation
 * phase (or a new client user) has reached every server.
 */
export function credentialsFingerprint(
  credentials: Credentials,
  phase: SyncRotationPhase | undefined,
): string {
  const quorum = quorumJaas(credentials, phase);
  const material = JSON.stringify({
    accepted: quorum.accepted.map((identity) => `${identity.username}:${identity.password}`).sort(),
    learner: `${quorum.learner.username}:${quorum.learner.password}`,
    super: digestCredential(SUPER_USER, credentials.super),
    clients: [...credentials.clients.entries()].sort(([a], [b]) => a - b),
  });
  return createHash("sha256").update(material).digest("hex").slice(0, 16);
}

/** The credentials (their latest revision), or undefined before the leader created them. */
export function readCredentials(model: Model, peers: Relation): Credentials | undefined {
  const uri = peers.localAppData(PEER_APP_SCHEMA).data["passwords-secret"];
  return uri ? parseCredentials(model.secrets.get({ id: uri, refresh: true })) : undefined;
}

/** Reads the credentials; the leader creates them first if they do not exist. */
export function ensureCredentials(model: Model, peers: Relation): Credentials | undefined {
  const existing = readCredentials(model, peers);
  if (existing || !model.isLeader || peers.localAppData(PEER_APP_SCHEMA).data["passwords-secret"])
    return existing;
  const credentials: Credentials = {
    super: generatePassword(),
    superPrevious: undefined,
    sync: { username: QUORUM_USERS[0], password: generatePassword() },
    syncNext: undefined,
    clients: new Map(),
  };
  const created = model.secrets.add(serializeCredentials(credentials), {
    label: secretLabel(model.appName),
    description: "ZooKeeper users: super (administration), sync (quorum), relation-<id> (clients)",
  });
  peers.setLocalAppData(PEER_APP_SCHEMA, { "passwords-secret": created });
  return credentials;
}

/** Leader: stores new credentials as a new revision of the secret. */
export function storeCredentials(model: Model, peers: Relation, credentials: Credentials): void {
  const uri = peers.localAppData(PEER_APP_SCHEMA).data["passwords-secret"];
  if (!uri) throw new Error("the credentials secret does not exist yet");
  model.secrets.update(uri, serializeCredentials(credentials));
}

/** What the leader decides about credentials in one pass (planCredentials). */
export interface CredentialsPlan {
  readonly credentials: Credentials;
  readonly phase: SyncRotationPhase | undefined;
  /** The credentials changed: store them in the secret. */
  readonly changed: boolean;
  /** A rotation moved on (a new phase, or the previous super password dropped). */
  readonly progressed: boolean;
}

/**
 * Leader, pure: the credentials every server should run. One user per served client relation
 * (`wanted`), and password rotations moved forward once every started server runs the current step:
 * a sync rotation goes accept (servers accept both identities) → switch (they log in with the new
 * one) → done (the old one dropped); a super rotation keeps the previous password until every server
 * runs the new digest. `running` holds the credentials fingerprint each started, staying server runs.
 */
export function planCredentials(
  current: Credentials,
  phase: SyncRotationPhase | undefined,
  wanted: ReadonlyMap<number, string>,
  running: readonly (string | undefined)[],
): CredentialsPlan {
  let next = current;
  let nextPhase = phase;
  const sameClients =
    wanted.size === current.clients.size &&
    [...wanted].every(([id, password]) => current.clients.get(id) === password);
  if (!sameClients) next = { ...next, clients: wanted };
  const everyServerRuns = (candidate: Credentials, candidatePhase: SyncRotationPhase | undefined) => {
    const fingerprint = credentialsFingerprint(candidate, candidatePhase);
    return running.every((runs) => runs === fingerprint);
  };
  if (!next.syncNext) nextPhase = undefined;
  else if (nextPhase === undefined) nextPhase = "accept";
  else if (nextPhase === "accept" && everyServerRuns(next, "accept")) nextPhase = "switch";
  else if (nextPhase === "switch" && everyServerRuns(next, "switch")) {
    next = { ...next, sync: next.syncNext, syncNext: undefined };
    nextPhase = undefined;
  }
  if (next.superPrevious && everyServerRuns(next, nextPhase)) next = { ...next, superPrevious: undefined };
  return {
    credentials: next,
    phase: nextPhase,
    changed: next !== current,
    progressed: nextPhase !== phase || next.superPrevious !== current.superPrevious,
  };
}
