/** The Ensemble contract against the in-memory FakeZooKeeper (the real run: tests/integration/ensemble-contract.test.ts). */
import { digestCredential } from "../../../lib/zookeeper";
import { FakeZooKeeper } from "../../fakes/fake-zookeeper";
import { ensembleContract } from "../../support/ensemble-contract";

const superAuth = { username: "super", password: "super-password" };

ensembleContract("FakeZooKeeper", () => {
  const zookeeper = new FakeZooKeeper();
  const address = (id: number) => `10.0.0.${id}`;
  return {
    ensemble: zookeeper,
    address,
    superAuth,
    settleMs: 0,
    async start(id, servers) {
      zookeeper.start(address(id), {
        id,
        servers,
        superDigest: digestCredential(superAuth.username, superAuth.password),
      });
    },
    async stop(id) {
      zookeeper.stop(address(id));
    },
  };
});
