/**
 * No client and no stranger can harm the ensemble. Each test is written as the attack — a made-up
 * digest identity, an unauthenticated HTTP client, a second client application, a client writing
 * past its quota, an operator's tampering — and asserts that the attack fails and that the victim
 * keeps working, as ZooKeeper itself answers.
 *
 * Regression: issue 10 — a made-up identity filled `/zookeeper` until every server died, the
 * AdminServer handed out the super digest, one client could delete and take over another's chroot
 * through a shared parent, a fixed refusal left the application blocked, and each request change
 * rolled the ensemble and a stray bad key revoked working credentials.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  ZooKeeperManager as Manager,
  NoAuthError,
  NodeExistsError,
  QuotaExceededError,
  type ZooKeeperManager,
} from "../../lib/zookeeper";
import type { Controller } from "../sim/controller";
import {
  APP,
  adminSession,
  deployZookeeper,
  destroyModel,
  expectHealthyEnsemble,
  liveUnits,
  newModel,
  serverPid,
} from "./support/charm-model";
import { buildClientCharm, type ClientCredentials, clientCredentials } from "./support/client-charm";

let controller: Controller;

beforeAll(async () => {
  controller = await newModel();
  await deployZookeeper(controller, 3);
  const charm = buildClientCharm();
  await controller.deploy(charm, "a2", { config: { database: "/shared/b2", "requested-secrets": "" } });
  await controller.deploy(charm, "a3", { config: { database: "/shared/b3", "requested-secrets": "" } });
  controller.integrate("a2", APP);
  controller.integrate("a3", APP);
  await controller.waitFor({ timeoutMs: 300_000 });
});
afterAll(async () => {
  await destroyModel(controller);
});

function credentialsOf(app: string): Promise<ClientCredentials> {
  return clientCredentials(controller, app);
}

/** A session as `username` at the root (no chroot), as an attacker or Kafka's chroot check uses. */
function sessionAs(username: string, password: string): Promise<ZooKeeperManager> {
  return Manager.connect({
    hosts: liveUnits(controller).map((unit) => `${unit.address}:2181`),
    auth: { username, password },
    connectTimeoutMs: 15_000,
  });
}

async function withSession<T>(zk: Promise<ZooKeeperManager>, work: (zk: ZooKeeperManager) => Promise<T>) {
  const session = await zk;
  try {
    return await work(session);
  } finally {
    await session.close();
  }
}

async function expectClientWorks(app: string): Promise<void> {
  const check = await controller.runAction(`${app}/0`, "check");
  expect(check.results, `${app} check`).toMatchObject({ inside: "ok", outside: "denied" });
}

function serverPids(): number[] {
  return liveUnits(controller).map((unit) => serverPid(controller, unit.name));
}

// Half of jute.maxbuffer (1 MiB): a full megabyte would be refused as a packet, not by ACL.
const FILLER = Buffer.alloc(512 * 1024, 0x61);

describe("attacks that must fail", () => {
  it("a made-up digest identity can neither fill nor re-ACL ZooKeeper's own znodes, nor list or write /", async () => {
    await withSession(sessionAs("evil", "evil"), async (evil) => {
      for (const path of ["/zookeeper", "/zookeeper/quota"]) {
        await expect(evil.create(`${path}/filler`, FILLER)).rejects.toBeInstanceOf(NoAuthError);
        await expect(
          evil.setACL(path, [{ scheme: "world", id: "anyone", perms: "cdrwa" }]),
        ).rejects.toBeInstanceOf(NoAuthError);
      }
      await expect(evil.create("/filler", FILLER)).rejects.toBeInstanceOf(NoAuthError);
      await expect(evil.getChildren("/")).rejects.toBeInstanceOf(NoAuthError);
      await expect(evil.setData("/zookeeper/config", "x")).rejects.toThrow();
      // Curator's EnsembleTracker still reads the membership.
      expect((await evil.getData("/zookeeper/config")).data.toString()).toMatch(/^server\.1=/m);
    });
    await expectClientWorks("a2");
    await expectHealthyEnsemble(controller);
  });

  it("the AdminServer answers no one: no super digest, no mutating command", async () => {
    for (const unit of liveUnits(controller)) {
      for (const command of ["system_properties", "set_trace_mask", "connections"]) {
        await expect(
          fetch(`http://${unit.address}:8080/commands/${command}`, { signal: AbortSignal.timeout(3_000) }),
        ).rejects.toThrow();
      }
    }
  });

  it("one client cannot take over another's chroot through a shared parent", async () => {
    const a2 = await credentialsOf("a2");
    await withSession(sessionAs(a2.username, a2.password), async (zk) => {
      await expect(zk.delete("/shared/b3")).rejects.toBeInstanceOf(NoAuthError);
      await expect(zk.getChildren("/shared")).rejects.toBeInstanceOf(NoAuthError);
      await expect(
        zk.setACL("/shared", [{ scheme: "world", id: "anyone", perms: "cdrwa" }]),
      ).rejects.toBeInstanceOf(NoAuthError);
      await expect(zk.getChildren("/shared/b3")).rejects.toBeInstanceOf(NoAuthError);
      // What Kafka does before it starts: create its own chroot from the root, expecting NodeExists.
      await expect(zk.create("/shared/b2")).rejects.toBeInstanceOf(NodeExistsError);
    });
    await withSession(adminSession(controller), async (admin) => {
      const acl = (await admin.getACL("/shared")).acl;
      expect(acl.filter((entry) => entry.id.startsWith("super:")).map((entry) => entry.perms)).toEqual([
        "cdrwa",
      ]);
      expect(
        acl.filter((entry) => !entry.id.startsWith("super:")).every((entry) => entry.perms === "c"),
      ).toBe(true);
    });
    await expectClientWorks("a3");
  });

  it("a chroot deleted or re-ACLed behind the charm's back is repaired by the next hook", async () => {
    const leader = controller.leader(APP)!;
    await withSession(adminSession(controller), async (admin) => {
      await admin.setACL("/shared/b3", [{ scheme: "world", id: "anyone", perms: "cdrwa" }]);
    });
    await controller.runHookNow(leader, "config-changed");
    await withSession(adminSession(controller), async (admin) => {
      const ids = (await admin.getACL("/shared/b3")).acl.map((entry) => entry.id);
      expect(ids).not.toContain("anyone");
      await admin.deleteRecursive("/shared/b3");
    });
    await controller.runHookNow(leader, "config-changed");
    await expectClientWorks("a3");
  });

  it("a client over its quota is refused; the other client and the ensemble keep serving, nothing restarts", async () => {
    const before = serverPids();
    controller.setConfig(APP, { "client-quota-znodes": "10", "client-quota-bytes": "20000" });
    await controller.waitFor({ timeoutMs: 300_000 });
    const a2 = await credentialsOf("a2");
    await withSession(sessionAs(a2.username, a2.password), async (zk) => {
      let refused: unknown;
      for (let i = 0; i < 12 && refused === undefined; i += 1) {
        await zk.create(`/shared/b2/n${i}`, "x").catch((error: unknown) => {
          refused = error;
        });
      }
      expect(refused).toBeInstanceOf(QuotaExceededError);
      await zk.delete("/shared/b2/n0");
      await expect(zk.create("/shared/b2/big", Buffer.alloc(30_000))).rejects.toBeInstanceOf(
        QuotaExceededError,
      );
    });
    await expectClientWorks("a3");
    await expectHealthyEnsemble(controller);
    expect(serverPids()).toEqual(before);
  });

  it("a stray bad key keeps working credentials, a fixed refusal clears the status, a move rolls nothing", async () => {
    const before = serverPids();
    const a3 = await credentialsOf("a3");
    controller.setConfig("a3", { "extra-user-roles": "xyz" });
    await controller.waitFor({ timeoutMs: 300_000 });
    expect(controller.application(APP).status?.status).toBe("blocked");
    expect(controller.application(APP).status?.message).toMatch(/a3/);
    await expectClientWorks("a3");

    controller.setConfig("a3", { "extra-user-roles": "" });
    await controller.waitFor({ timeoutMs: 300_000 });
    expect(controller.application(APP).status?.status).toBe("active");
    expect(controller.unit(controller.leader(APP)!).workloadStatus.status).toBe("active");

    controller.setConfig("a3", { database: "/moved-b3" });
    await controller.waitFor({ timeoutMs: 300_000 });
    const moved = await credentialsOf("a3");
    expect({ username: moved.username, password: moved.password }).toEqual({
      username: a3.username,
      password: a3.password,
    });
    expect(moved.chroot).toBe("/moved-b3");
    await expectClientWorks("a3");
    await withSession(adminSession(controller), async (admin) => {
      expect((await admin.getACL("/shared/b3")).acl.map((entry) => entry.id)).toEqual([
        expect.stringMatching(/^super:/),
      ]);
    });
    expect(serverPids()).toEqual(before);
    await expectHealthyEnsemble(controller);
  });
});
