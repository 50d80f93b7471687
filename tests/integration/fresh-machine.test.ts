/**
 * The charm on fresh Debian 13 machines (issue 13.1): each unit's machine starts from a clean trixie
 * image (tests/sim/machine-image.ts) with no Node.js, no Java and no ZooKeeper, so `dispatch` installs
 * Node and the charm installs ZooKeeper 3.9 — the install path a new cloud machine takes. Then the
 * ensemble scales 3 → 5 → 3 and serves a client, with ZooKeeper's own view checked each time.
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Controller } from "../sim/controller";
import { debianImage } from "../sim/machine-image";
import {
  APP,
  deployZookeeper,
  destroyModel,
  expectHealthyEnsemble,
  liveUnits,
  newModel,
} from "./support/charm-model";
import { buildClientCharm, clientCredentials, clientSession } from "./support/client-charm";

let controller: Controller;
let image: string;

beforeAll(async () => {
  image = debianImage();
  controller = await newModel("60m", { machineImage: image });
}, 900_000);
afterAll(async () => {
  await destroyModel(controller);
});

describe("fresh Debian 13 machines", () => {
  it("the image holds none of the workload: no node, no java, no zookeeper", () => {
    for (const path of ["usr/bin/node", "usr/bin/java", "usr/share/java/zookeeper.jar"])
      expect(existsSync(join(image, path)), path).toBe(false);
    expect(existsSync(join(image, "usr/bin/systemctl"))).toBe(true);
  });

  it("dispatch installs Node, the charm installs ZooKeeper 3.9, and three units form an ensemble", async () => {
    await deployZookeeper(controller, 3);
    await expectHealthyEnsemble(controller);
    const installed = await controller.exec(
      `${APP}/1`,
      // dpkg-query's own format syntax, not a template string.
      [
        "node --version; dpkg-query -W -f='$",
        "{Version}' zookeeper; echo; java -version 2>&1 | head -1",
      ].join(""),
    );
    const [node, zookeeper, java] = installed.stdout.trim().split("\n");
    expect(node).toMatch(/^v(1[89]|2\d)\./);
    expect(zookeeper).toMatch(/^3\.9\./);
    expect(java).toMatch(/version "(1[7-9]|2\d)/);
    expect(controller.application(APP).workloadVersion).toMatch(/^3\.9\./);
  });

  it("scales 3 → 5 → 3", async () => {
    await controller.addUnit(APP, 2);
    await controller.waitFor({ timeoutMs: 300_000 });
    expect((await expectHealthyEnsemble(controller)).config.servers).toHaveLength(5);
    await controller.scaleApplication(APP, 3);
    await controller.waitFor({ timeoutMs: 300_000 });
    expect((await expectHealthyEnsemble(controller)).config.servers).toHaveLength(3);
    expect(liveUnits(controller)).toHaveLength(3);
  });

  it("serves a client its chroot with its own credentials", async () => {
    await controller.deploy(buildClientCharm(), "client");
    controller.integrate("client", APP);
    await controller.waitFor({ timeoutMs: 300_000 });
    const credentials = await clientCredentials(controller, "client");
    const zk = await clientSession(credentials);
    try {
      await zk.create(`${credentials.chroot}/hello`, "from a fresh machine");
      expect((await zk.getData(`${credentials.chroot}/hello`)).data.toString()).toBe("from a fresh machine");
    } finally {
      await zk.close();
    }
  });
});
