/**
 * The Juju leader's client work in one pass: ZooKeeper's own znodes and `/` locked down, chroots,
 * ACLs and quotas for every served client — asserted on every pass, so tampering is undone by the
 * next hook — connection data published once every server runs the client users (their SASL logins
 * then work on every member), and cleanup of gone clients (ACL reset to super only, secrets
 * removed). It reports through its result: the statuses, and whether only the workload can end a
 * wait.
 */
import type { Hook, Relation, Status } from "../../lib/juju";
import { digestAcl } from "../../lib/zookeeper/acl";
import { type ClusterSnapshot, ensembleHealthy } from "../cluster/cluster-plan";
import type { Credentials } from "../cluster/credentials";
import { classifyFailure } from "../cluster/failures";
import { PEER_APP_SCHEMA } from "../cluster/peer-data";
import type { Admin, Ensemble } from "../ports";
import { type CharmConfig, SUPER_USER } from "../workload";
import {
  applyAcls,
  type ClientView,
  type GrantedClient,
  publish,
  removeClientSecrets,
  secureTree,
  treeAcls,
} from "./client-provider";

export interface ServeClientsInput {
  readonly hook: Hook;
  readonly ensemble: Ensemble;
  readonly admin: Admin;
  readonly peers: Relation;
  readonly clients: ClientView;
  readonly credentials: Credentials;
  readonly snapshot: ClusterSnapshot;
  /** Fingerprint of the credentials every server should run. */
  readonly fingerprint: string;
  readonly config: CharmConfig;
  /** The CA chain clients need, once every server runs TLS; undefined: plaintext endpoints. */
  readonly tlsCa: string | undefined;
  /** The ZooKeeper version the servers run (upstream's, without the package's suffix). */
  readonly version: string | undefined;
}

export interface ServeClientsOutcome {
  readonly unit: readonly Status[];
  readonly app: readonly Status[];
  /** Set when the work waits for the workload (the reconcile then observes again). */
  readonly transient?: string;
}

export async function serveClients(input: ServeClientsInput): Promise<ServeClientsOutcome> {
  const { hook, peers, clients, credentials, snapshot, config } = input;
  const granted = peers.localAppData(PEER_APP_SCHEMA).data.clients ?? {};
  const policy = {
    superAcl: digestAcl(SUPER_USER, credentials.super, "cdrwa"),
    quota: { bytes: config["client-quota-bytes"], znodes: config["client-quota-znodes"] },
  };
  let next: Record<string, GrantedClient>;
  try {
    const outcome = await input.ensemble.withSession(input.admin, async (zk) => {
      const tree = await secureTree(zk, treeAcls(policy.superAcl));
      const acls = await applyAcls(zk, clients, credentials, granted, policy);
      return { ...acls, repaired: [...tree, ...acls.repaired] };
    });
    for (const repair of outcome.repaired)
      hook.log.warn({ repair }, "undid a change made behind the charm's back");
    next = outcome.granted;
  } catch (error) {
    const failure = classifyFailure("applying client ACLs", error);
    hook.log.warn({ error: String(error), permanent: failure.permanent }, "could not apply client ACLs");
    return failure.permanent
      ? { unit: [failure.status], app: [] }
      : { unit: [], app: [], transient: failure.status.message };
  }
  const ready =
    ensembleHealthy(snapshot) &&
    snapshot.units
      .filter((unit) => unit.started && !unit.dying)
      .every((unit) => unit.credentials === input.fingerprint);
  const published = publish(hook, clients, credentials, snapshot.committed!, next, ready, {
    tlsCa: input.tlsCa,
    version: input.version,
  });
  removeClientSecrets(hook, granted, new Set(Object.keys(published.granted)));
  peers.setLocalAppData(PEER_APP_SCHEMA, {
    clients: Object.keys(published.granted).length > 0 ? published.granted : null,
  });
  return {
    unit: published.refusals.map((refusal) => refusal.unit),
    app: published.refusals.map((refusal) => refusal.app),
  };
}
