/**
 * The `Ensemble` port: everything the charm asks of running ZooKeeper servers — a server's `srvr`
 * and `conf` by address, and an authenticated admin session for membership (`/zookeeper/config`,
 * reconfig) and the znode tree (ACLs, quotas, chroots). `zookeeperEnsemble` is the real adapter
 * (lib/zookeeper: four-letter words over TCP, ZooKeeperManager sessions); tests use an in-memory fake
 * held to the same contract (tests/ports/ensemble-contract.ts).
 */
import type { DigestAuth, EnsembleConfig, ZooKeeperManager } from "../../lib/zookeeper";
import { probeConf, probeSrvr } from "../../lib/zookeeper/four-letter-words";
import { PORTS } from "../workload/paths";

/** What a server's `srvr` said; `reachable: false` when it did not answer. */
export interface ServerProbe {
  readonly reachable: boolean;
  readonly serving: boolean;
  readonly mode: "leader" | "follower" | "observer" | "standalone" | undefined;
  /** The version the server reports (`3.8.0-…, built on …`), when it answered. */
  readonly version?: string | undefined;
}

/** How the charm connects as administrator. */
export interface Admin {
  readonly hosts: readonly string[];
  /** Every identity to present (during a super rotation: the new and the old password). */
  readonly auth: readonly DigestAuth[];
}

/** The session calls the charm makes (a subset of ZooKeeperManager, with its typed errors). */
export type ZnodeSession = Pick<
  ZooKeeperManager,
  | "getConfig"
  | "reconfig"
  | "exists"
  | "getData"
  | "setData"
  | "create"
  | "ensurePath"
  | "delete"
  | "getChildren"
  | "getACL"
  | "setACL"
  | "setACLRecursive"
>;

export interface Ensemble {
  /** `srvr` of the server at `address`; never throws. */
  probe(address: string): Promise<ServerProbe>;
  /** The membership the server at `address` last committed (`conf`); undefined if it has none to give. */
  localMembership(address: string): Promise<EnsembleConfig | undefined>;
  /** Runs `work` in a session with one of `admin.hosts`, authenticated as every `admin.auth` identity. */
  withSession<T>(admin: Admin, work: (zk: ZnodeSession) => Promise<T>): Promise<T>;
}

const PROBE_TIMEOUT_MS = 1_500;

/** The real adapter: ZooKeeper over the network. */
export const zookeeperEnsemble: Ensemble = {
  async probe(address) {
    try {
      const report = await probeSrvr(`${address}:${PORTS.client}`, { timeoutMs: PROBE_TIMEOUT_MS });
      return { reachable: true, serving: report.serving, mode: report.mode, version: report.version };
    } catch {
      return { reachable: false, serving: false, mode: undefined };
    }
  },

  async localMembership(address) {
    try {
      return (await probeConf(`${address}:${PORTS.client}`, { timeoutMs: PROBE_TIMEOUT_MS })).ensemble;
    } catch {
      return undefined;
    }
  },

  async withSession(admin, work) {
    // Loaded on first use: the client library costs ~25 ms to load, and most hooks (actions, a
    // healthy non-leader's update-status) never open a session.
    // biome-ignore lint/style/noRestrictedImports: the one place the client library is loaded, lazily.
    const { ZooKeeperManager } = await import("../../lib/zookeeper/zookeeper-manager");
    const zk = await ZooKeeperManager.connect({
      hosts: admin.hosts,
      auth: admin.auth,
      connectTimeoutMs: 8_000,
      requestTimeoutMs: 8_000,
    });
    try {
      return await work(zk);
    } finally {
      await zk.close();
    }
  },
};
