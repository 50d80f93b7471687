/**
 * The Ensemble contract against the real adapter and real ZooKeeper servers
 * (tests/support/zookeeper-server.ts, configured as the charm configures them); the same suite runs
 * against the in-memory fake in tests/unit/ports/fake-ensemble.test.ts.
 */
import { afterAll, beforeAll } from "vitest";
import { formatServer } from "../../lib/zookeeper";
import { zookeeperEnsemble } from "../../src/ports/ensemble";
import { ensembleContract } from "../support/ensemble-contract";
import { ZooKeeperTestCluster } from "../support/zookeeper-server";

let cluster: ZooKeeperTestCluster;

beforeAll(async () => {
  cluster = await ZooKeeperTestCluster.create();
});
afterAll(async () => {
  await cluster?.cleanup();
});

ensembleContract("real ZooKeeper", () => ({
  ensemble: zookeeperEnsemble,
  address: (id) => cluster.ip(id),
  superAuth: { username: "super", password: cluster.secrets.superPassword },
  settleMs: 30_000,
  async start(id, servers) {
    await cluster.start(id, servers.map(formatServer));
  },
  async stop(id) {
    await cluster.server(id).stop();
  },
}));
