/**
 * The `zookeeper` client relation with real clients (tests/charms/zk-client): per-relation users,
 * chroots with ACLs for that user only, credentials as Juju secrets when requested, scaling with
 * clients, relation removal (old credentials stop working everywhere, data kept), re-relating, and
 * bad requests refused without affecting other clients.
 */
import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { NoAuthError, ZooKeeperManager } from "../../lib/zookeeper";
import type { Controller } from "../sim/controller";
import {
  APP,
  adminSession,
  deployZookeeper,
  destroyModel,
  expectHealthyEnsemble,
  liveUnits,
  newModel,
} from "./support/charm-model";
import {
  buildClientCharm,
  type ClientCredentials,
  clientCredentials,
  clientSession,
} from "./support/client-charm";

let controller: Controller;
let clientCharm: string;

beforeAll(async () => {
  controller = await newModel();
  clientCharm = buildClientCharm();
  await deployZookeeper(controller, 3);
});
afterAll(async () => {
  await destroyModel(controller);
});

function credentialsOf(app: string): Promise<ClientCredentials> {
  return clientCredentials(controller, app);
}

function clientStatus(app: string): string {
  const unit = controller.unitsOf(app)[0]!;
  return `${unit.workloadStatus.status}: ${unit.workloadStatus.message}`;
}

function jaasUsers(unit: string): string[] {
  const jaas = readFileSync(controller.machine(unit).path("/etc/zookeeper/charm/jaas.conf"), "utf8");
  return [...jaas.matchAll(/user_(relation-\d+)=/g)].map((match) => match[1]!);
}

function providerData(app: string): Record<string, string> {
  const relation = Object.values(controller.model.relations).find(
    (candidate) => candidate.life === "alive" && candidate.endpoints.some((endpoint) => endpoint.app === app),
  )!;
  return relation.appBags[APP]!.data;
}

describe("client relations", () => {
  it("two clients get their own chroot, user and ACL; neither can touch the other's", async () => {
    await controller.deploy(clientCharm, "alpha");
    await controller.deploy(clientCharm, "beta", {
      config: { database: "/beta-data", "requested-secrets": "" },
    });
    controller.integrate("alpha", APP);
    controller.integrate("beta", APP);
    await controller.waitFor({ timeoutMs: 300_000 });
    expect(clientStatus("alpha")).toMatch(/^active: relation-\d+ on \/alpha$/);
    expect(clientStatus("beta")).toMatch(/^active: relation-\d+ on \/beta-data$/);
    for (const app of ["alpha", "beta"]) {
      const check = await controller.runAction(`${app}/0`, "check");
      expect(check.results).toMatchObject({ inside: "ok", outside: "denied" });
    }
    // alpha asked for its credentials as a secret; beta asked for none.
    expect(providerData("alpha")["secret-user"]).toMatch(/^secret:/);
    expect(providerData("alpha").password).toBeUndefined();
    expect(providerData("beta").password).toHaveLength(32);
    expect(providerData("beta").uris).toMatch(
      /^(127\.\d+\.\d+\.\d+:2181,){2}127\.\d+\.\d+\.\d+:2181\/beta-data$/,
    );
    const alpha = await credentialsOf("alpha");
    const zk = await clientSession(alpha);
    try {
      await expect(zk.getChildren("/beta-data")).rejects.toBeInstanceOf(NoAuthError);
      await expect(zk.create("/beta-data/intruder", "x")).rejects.toBeInstanceOf(NoAuthError);
    } finally {
      await zk.close();
    }
    const anonymous = await ZooKeeperManager.connect({
      hosts: alpha.hosts,
      auth: { username: "nobody", password: "x" },
    });
    try {
      await expect(anonymous.getChildren("/alpha")).rejects.toBeInstanceOf(NoAuthError);
    } finally {
      await anonymous.close();
    }
    for (const unit of liveUnits(controller)) {
      expect(jaasUsers(unit.name).sort()).toEqual(
        [alpha.username, (await credentialsOf("beta")).username].sort(),
      );
    }
  });

  it("a new member knows the client users; scaling down keeps them working", async () => {
    await controller.addUnit(APP, 1);
    await controller.waitFor({ timeoutMs: 300_000 });
    await expectHealthyEnsemble(controller);
    const alpha = await credentialsOf("alpha");
    const newest = liveUnits(controller).at(-1)!;
    expect(jaasUsers(newest.name)).toContain(alpha.username);
    const zk = await clientSession(alpha, [`${newest.address}:2181`]);
    try {
      await zk.sync("/");
      expect((await zk.getChildren("/alpha")).length).toBeGreaterThan(0);
    } finally {
      await zk.close();
    }
    expect(alpha.hosts).toHaveLength(4);
    await controller.scaleApplication(APP, 3);
    await controller.waitFor({ timeoutMs: 300_000 });
    expect((await credentialsOf("alpha")).hosts).toHaveLength(3);
    expect((await controller.runAction("alpha/0", "check")).results).toMatchObject({
      inside: "ok",
      outside: "denied",
    });
  });

  it("removing the relation revokes the user everywhere and keeps the data; re-relating restores access", async () => {
    const old = await credentialsOf("alpha");
    // relation-broken with an empty JUJU_REMOTE_APP, as after an agent restart (LP 1960934).
    for (const unit of liveUnits(controller)) controller.restartAgent(unit.name);
    controller.removeRelation("alpha", APP);
    await controller.waitFor({ timeoutMs: 300_000 });
    for (const unit of liveUnits(controller)) expect(jaasUsers(unit.name)).not.toContain(old.username);
    const zk = await clientSession(old);
    try {
      await expect(zk.getChildren("/alpha")).rejects.toBeInstanceOf(NoAuthError);
    } finally {
      await zk.close();
    }
    const admin = await adminSession(controller);
    try {
      expect((await admin.getChildren("/alpha")).length).toBeGreaterThan(0);
      expect((await admin.getACL("/alpha")).acl.map((entry) => entry.id)).toEqual([
        expect.stringMatching(/^super:/),
      ]);
    } finally {
      await admin.close();
    }
    controller.integrate("alpha", APP);
    await controller.waitFor({ timeoutMs: 300_000 });
    const renewed = await credentialsOf("alpha");
    expect(renewed.username).not.toBe(old.username);
    const again = await clientSession(renewed);
    try {
      expect((await again.getChildren("/alpha")).length).toBeGreaterThan(0);
    } finally {
      await again.close();
    }
  });

  it("bad requests are refused with a clear status, and other clients are unaffected", async () => {
    await controller.deploy(clientCharm, "gamma", { config: { database: "/zookeeper/quotas" } });
    await controller.deploy(clientCharm, "delta", { config: { database: "/beta-data/inner" } });
    controller.integrate("gamma", APP);
    controller.integrate("delta", APP);
    await controller.waitFor({ timeoutMs: 300_000 });
    const leader = controller.unit(controller.leader(APP)!);
    expect(leader.workloadStatus.status).toBe("blocked");
    expect(leader.workloadStatus.message).toMatch(
      /gamma refused: database "\/zookeeper\/quotas" is ZooKeeper's own/,
    );
    expect(clientStatus("gamma")).toBe("waiting: waiting for zookeeper to publish credentials");
    expect(clientStatus("delta")).toBe("waiting: waiting for zookeeper to publish credentials");
    expect((await controller.runAction("beta/0", "check")).results).toMatchObject({
      inside: "ok",
      outside: "denied",
    });
    controller.setConfig("gamma", { database: "/gamma" });
    controller.removeRelation("delta", APP);
    await controller.waitFor({ timeoutMs: 300_000 });
    expect(clientStatus("gamma")).toMatch(/^active: relation-\d+ on \/gamma$/);
    expect(controller.unit(controller.leader(APP)!).workloadStatus.status).toBe("active");
  });
});
