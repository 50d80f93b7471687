/**
 * The Python charm's password actions, same names and results: get-super-password,
 * get-sync-password, set-password. A new password rolls out without downtime (credentials.ts): the
 * action only records it; the reconcile on every unit then rolls the servers.
 */
import type { Action, Bag, Hook, Relation } from "../lib/juju";
import { PEER_ENDPOINT } from "./cluster/cluster-manager";
import { type PeerUnit, upgradePendingAt } from "./cluster/cluster-plan";
import {
  type Credentials,
  credentialsFingerprint,
  generatePassword,
  readCredentials,
  storeCredentials,
} from "./cluster/credentials";
import { probeAll } from "./cluster/ensemble";
import { loadLocalState } from "./cluster/local-state";
import { PEER_APP_SCHEMA, PEER_UNIT_SCHEMA } from "./cluster/peer-data";
import { readPeerUnits } from "./cluster/peers";
import { upgradeBlocker } from "./cluster/upgrade-check";
import type { Ports } from "./ports";
import { generatePrivateKey, parsePrivateKey } from "./tls/certificate-request";
import { reconcileUnitTls, replaceUnitKey } from "./tls/tls-requirer";
import { QUORUM_USERS, SUPER_USER } from "./workload/paths";
import { baseOf, installableVersions, OS_RELEASE_PATH, targetProblem } from "./workload/zookeeper-versions";

const USERS = [SUPER_USER, QUORUM_USERS[0]] as const;
type InternalUser = (typeof USERS)[number];

/** Printable ASCII without whitespace, quotes, backslash or `${` (JAAS expands it); 8–128 characters. */
export function passwordProblem(password: string): string | undefined {
  if (password.length < 8) return "password must be at least 8 characters";
  if (password.length > 128) return "password must be at most 128 characters";
  if (!/^[\x21-\x7e]+$/.test(password)) return "password must be printable ASCII without spaces";
  if (/["'\\]/.test(password)) return "password must not contain quotes or backslashes";
  if (password.includes("${")) return "password must not contain ${";
  return undefined;
}

function credentialsFor(
  hook: Hook,
  action: Action,
): { peers: Relation; credentials: Credentials } | undefined {
  const peers = hook.model.relation(PEER_ENDPOINT);
  const credentials = peers ? readCredentials(hook.model, peers) : undefined;
  if (!peers || !credentials) {
    action.fail("the passwords do not exist yet: the leader creates them once the cluster relation is up");
    return undefined;
  }
  return { peers, credentials };
}

export async function runAction(hook: Hook, action: Action, ports: Ports): Promise<void> {
  switch (action.name) {
    case "pre-upgrade-check":
      await preUpgradeCheck(hook, action, ports);
      return;
    case "upgrade-zookeeper":
      await upgradeZooKeeper(hook, action, ports);
      return;
    case "set-tls-private-key":
      setTlsPrivateKey(hook, action, ports);
      return;
    case "get-super-password": {
      const found = credentialsFor(hook, action);
      if (found) action.setResults({ "super-password": found.credentials.super });
      return;
    }
    case "get-sync-password": {
      const found = credentialsFor(hook, action);
      const { sync, syncNext } = found?.credentials ?? {};
      if (sync) action.setResults({ "sync-password": syncNext?.password ?? sync.password });
      return;
    }
    case "set-password":
      setPassword(hook, action);
      return;
    default:
      action.fail(`unknown action ${action.name}`);
  }
}

/**
 * `pre-upgrade-check` (leader): fails saying why when the ensemble is not ready to be upgraded
 * (upgrade-check.ts), as ZooKeeper and the peer relation say in this action.
 */
async function preUpgradeCheck(hook: Hook, action: Action, ports: Ports): Promise<void> {
  if (!hook.model.isLeader) {
    action.fail("Action must be ran on the Juju leader.");
    return;
  }
  const peers = hook.model.relation(PEER_ENDPOINT);
  if (!peers) {
    action.fail("Pre-upgrade check failed and cannot safely upgrade: Charm has not finished initialising");
    return;
  }
  const units = unitsSeenBy(hook, peers);
  const { cause, leader } = await readiness(hook, ports, units, peers.localAppData(PEER_APP_SCHEMA).data);
  if (cause) {
    action.fail(`Pre-upgrade check failed and cannot safely upgrade: ${cause}`);
    return;
  }
  action.setResults({
    result: `ready: ${units.length} units serving and voting, ZooKeeper leader ${leader}`,
  });
}

/** The units of the peer relation as this unit's action sees them (its own address from its bag). */
function unitsSeenBy(hook: Hook, peers: Relation): PeerUnit[] {
  return readPeerUnits(peers, hook.model.unitName, peers.localUnitData(PEER_UNIT_SCHEMA).data.address, false);
}

/**
 * Whether the ensemble may be upgraded now (upgrade-check.ts's cause), from ZooKeeper's answers: srvr
 * of every unit, conf of the ZooKeeper leader.
 */
async function readiness(
  hook: Hook,
  ports: Ports,
  units: readonly PeerUnit[],
  appData: Bag<typeof PEER_APP_SCHEMA>,
): Promise<{ cause: string | undefined; leader: string | undefined }> {
  const addresses = new Map(units.filter((unit) => unit.address).map((unit) => [unit.name, unit.address!]));
  const probes = await probeAll(ports.ensemble, addresses);
  const leader = units.find((unit) => probes.get(unit.name)?.mode === "leader");
  const committed = leader?.address ? await ports.ensemble.localMembership(leader.address) : undefined;
  const planned = hook.tools.plannedUnits();
  return { cause: upgradeBlocker({ units, planned, appData, probes, committed }), leader: leader?.name };
}

/**
 * `upgrade-zookeeper version=…` (leader): the ZooKeeper package version every server should run.
 * Refused with the reason when the version is not one this revision runs on this base, apt does not
 * offer it, it would go back a minor version, or the ensemble is not ready (pre-upgrade-check's
 * causes). During a roll — including one stopped by a failed post-check — the target may be changed
 * (to go back to the version the units came from, or on to a fixed one): the roll continues from
 * where it stands. The reconcile then upgrades the units one at a time, the ZooKeeper leader last.
 */
async function upgradeZooKeeper(hook: Hook, action: Action, ports: Ports): Promise<void> {
  if (!hook.model.isLeader) {
    action.fail(
      "upgrade-zookeeper must run on the leader unit (juju run zookeeper/leader upgrade-zookeeper …)",
    );
    return;
  }
  const version = action.params.version;
  if (typeof version !== "string" || version === "") {
    action.fail(
      "version is required: the zookeeper package version to run, as `apt-cache madison zookeeper` lists it",
    );
    return;
  }
  const peers = hook.model.relation(PEER_ENDPOINT);
  if (!peers) {
    action.fail("the cluster relation does not exist yet: deploy first, then upgrade");
    return;
  }
  const units = unitsSeenBy(hook, peers);
  const appData = peers.localAppData(PEER_APP_SCHEMA).data;
  const current = appData["zookeeper-version"];
  const rolling = upgradePendingAt(units, current) !== undefined;
  if (!rolling) {
    const { cause } = await readiness(hook, ports, units, appData);
    if (cause) {
      action.fail(`cannot upgrade ZooKeeper now: ${cause}`);
      return;
    }
  }
  const problem = targetProblem({
    version,
    base: baseOf(ports.machine.read(OS_RELEASE_PATH)),
    available: installableVersions((name) => ports.machine.availableVersions(name)),
    running: units.flatMap((unit) => (unit.runningVersion ? [unit.runningVersion] : [])),
  });
  if (problem) {
    action.fail(problem);
    return;
  }
  if (version === current && !rolling) {
    action.setResults({ result: `every unit already runs ZooKeeper ${version}` });
    return;
  }
  peers.setLocalAppData(PEER_APP_SCHEMA, { "zookeeper-version": version });
  hook.log.info({ from: current, to: version }, "ZooKeeper upgrade requested");
  action.setResults({
    result: `upgrading ZooKeeper ${current ?? "?"} → ${version} one unit at a time, the ZooKeeper leader last: follow juju status`,
  });
}

/**
 * Stores the operator's key (or a new one) in this unit's key secret and asks for a certificate for
 * it at once; the current certificate serves until the new one arrives.
 */
function setTlsPrivateKey(hook: Hook, action: Action, ports: Ports): void {
  const given = action.params["internal-key"];
  if (given !== undefined && typeof given !== "string") {
    action.fail("internal-key must be a string (a PEM private key, or base64 of one)");
    return;
  }
  let key: string;
  try {
    key = given ? parsePrivateKey(given) : generatePrivateKey();
  } catch (error) {
    action.fail(error instanceof Error ? error.message : String(error));
    return;
  }
  replaceUnitKey(hook, key);
  const tls = reconcileUnitTls(
    hook,
    ports.machine,
    loadLocalState(ports.machine).address,
    new Date(ports.clock.now()),
    key,
  );
  action.setResults({
    message: tls.related
      ? "key stored; a certificate for it has been requested"
      : "key stored; it will be used once the certificates relation exists",
  });
}

function setPassword(hook: Hook, action: Action): void {
  const params = action.params;
  const username = params.username ?? SUPER_USER;
  if (typeof username !== "string" || !(USERS as readonly string[]).includes(username)) {
    action.fail(`username must be one of ${USERS.join(", ")}, not ${JSON.stringify(username)}`);
    return;
  }
  if (!hook.model.isLeader) {
    action.fail("set-password must run on the leader unit (juju run zookeeper/leader set-password …)");
    return;
  }
  const password = params.password === undefined ? generatePassword() : params.password;
  if (typeof password !== "string") {
    action.fail("password must be a string");
    return;
  }
  const problem = passwordProblem(password);
  if (problem) {
    action.fail(problem);
    return;
  }
  const found = credentialsFor(hook, action);
  if (!found) return;
  const { peers, credentials } = found;
  const user = username as InternalUser;
  const next = rotate(credentials, user, password);
  if (typeof next === "string") {
    action.fail(next);
    return;
  }
  if (next === credentials) {
    action.log("The old and new passwords are equal.");
  } else {
    storeCredentials(hook.model, peers, next);
    const phase = peers.localAppData(PEER_APP_SCHEMA).data["sync-rotation"];
    // A new fingerprint wakes every unit (relation-changed); the rolling restarts follow from there.
    peers.setLocalAppData(PEER_APP_SCHEMA, { credentials: credentialsFingerprint(next, phase) });
    hook.log.info({ user }, "password changed; rolling it out to every server");
  }
  action.setResults({ [`${user}-password`]: password });
}

/** The credentials with `user`'s new password in rotation, or why that cannot start now. */
export function rotate(credentials: Credentials, user: InternalUser, password: string): Credentials | string {
  if (user === SUPER_USER) {
    if (password === credentials.super) return credentials;
    if (credentials.superPrevious)
      return "a super password change is still rolling out; try again when it is done";
    return { ...credentials, super: password, superPrevious: credentials.super };
  }
  if (password === credentials.sync.password && !credentials.syncNext) return credentials;
  if (credentials.syncNext) return "a sync password change is still rolling out; try again when it is done";
  // A new quorum identity (the other of two user names): servers accept both while it rolls out.
  const [first, second] = QUORUM_USERS;
  const username = credentials.sync.username === first ? second : first;
  return { ...credentials, syncNext: { username, password } };
}
