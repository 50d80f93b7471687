/**
 * Availability while clients and passwords change: a client keeps writing sequential znodes (one
 * every few milliseconds) while a second client relates (a rolling restart to load its user), while
 * the super password rotates, and while the sync (quorum) password rotates — three rolling restarts
 * with old and new quorum credentials overlapping. No acknowledged write may be lost, the sequence
 * may have no gap, and the ensemble must serve again after each step. The longest interval without a
 * successful write is printed (a figure, not an assertion: these machines are noisy).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ZooKeeperManager } from "../../lib/zookeeper";
import type { Controller } from "../sim/controller";
import {
  APP,
  deployZookeeper,
  destroyModel,
  expectHealthyEnsemble,
  liveUnits,
  newModel,
  superPassword,
} from "./support/charm-model";
import { buildClientCharm } from "./support/client-charm";
import { expectNoLostWrites, keepWriting, type Writer, type WriterResult } from "./support/writer";

let controller: Controller;

beforeAll(async () => {
  controller = await newModel();
  await deployZookeeper(controller, 3);
  const charm = buildClientCharm();
  await controller.deploy(charm, "alpha");
  await controller.deploy(charm, "beta");
  controller.integrate("alpha", APP);
  await controller.waitFor({ timeoutMs: 300_000 });
});
afterAll(async () => {
  await destroyModel(controller);
});

const OWNER_ONLY = [{ scheme: "auth", id: "", perms: "cdrwa" }] as const;

/** Writes sequential znodes under `<chroot>/<tag>` as the client until stopped. */
async function startWriter(tag: string): Promise<Writer> {
  const record = await controller.runAction("alpha/0", "credentials");
  const { username, password, hosts, chroot } = record.results as Record<string, string>;
  return keepWriting({
    hosts: hosts!.split(","),
    auth: { username: username!, password: password! },
    path: `${chroot}/${tag}`,
    acl: [...OWNER_ONLY],
  });
}

/** Every acknowledged znode exists, and the sequence numbers have no gap. */
const expectNoLostWrite = (tag: string, result: WriterResult) =>
  expectNoLostWrites(controller, `/alpha/${tag}`, result);

async function during(tag: string, change: () => Promise<void>): Promise<void> {
  const writer = await startWriter(tag);
  await new Promise((resolve) => setTimeout(resolve, 1_000));
  await change();
  await controller.waitFor({ timeoutMs: 300_000 });
  await new Promise((resolve) => setTimeout(resolve, 1_000));
  const result = await writer.stop();
  console.log(
    `availability ${tag}: ${result.acknowledged.length} writes, ${result.failed} failed attempts, longest interval without a successful write ${result.longestGapMs} ms`,
  );
  expect(result.acknowledged.length).toBeGreaterThan(50);
  await expectNoLostWrite(tag, result);
  await expectHealthyEnsemble(controller);
}

describe("availability while clients and passwords change", () => {
  it("a second client relates (every server restarts to load its user)", async () => {
    await during("client-change", async () => {
      controller.integrate("beta", APP);
    });
    expect((await controller.runAction("beta/0", "check")).results).toMatchObject({
      inside: "ok",
      outside: "denied",
    });
  });

  it("the super password rotates; the charm's admin access works throughout and after", async () => {
    const before = superPassword(controller);
    let rotated = "";
    await during("super-rotation", async () => {
      const record = await controller.runAction(`${APP}/leader`, "set-password", { username: "super" });
      expect(record.status).toBe("completed");
      rotated = String(record.results["super-password"]);
    });
    expect(rotated).not.toBe(before);
    const got = await controller.runAction(`${APP}/0`, "get-super-password");
    expect(got.results["super-password"]).toBe(rotated);
    // Only the super user may create znodes at the root now: proves the new password is super everywhere.
    for (const unit of liveUnits(controller)) {
      const zk = await ZooKeeperManager.connect({
        hosts: [`${unit.address}:2181`],
        auth: { username: "super", password: rotated },
      });
      try {
        await zk.create(`/super-check-${unit.id}`, "x");
      } finally {
        await zk.close();
      }
    }
  });

  it("the sync (quorum) password rotates with old and new identities overlapping", async () => {
    let rotated = "";
    await during("sync-rotation", async () => {
      const record = await controller.runAction(`${APP}/leader`, "set-password", {
        username: "sync",
        password: "N3w-quorum-password",
      });
      expect(record.status).toBe("completed");
      rotated = String(record.results["sync-password"]);
    });
    expect(rotated).toBe("N3w-quorum-password");
    expect((await controller.runAction(`${APP}/0`, "get-sync-password")).results["sync-password"]).toBe(
      rotated,
    );
    // Each rotation phase and each client change made a revision of the passwords secret; once no
    // unit tracks an old one, Juju's secret-remove lets the leader prune it (issue 11).
    await controller.waitFor({ timeoutMs: 120_000 });
    const secret = Object.values(controller.model.secrets).find(
      (item) => item.label === `cluster.${APP}.app`,
    )!;
    console.log(`passwords secret keeps revisions ${secret.revisions.map((r) => r.revision).join(", ")}`);
    expect(secret.revisions.at(-1)!.revision).toBeGreaterThan(5);
    expect(secret.revisions.length).toBeLessThanOrEqual(2);
  });

  it("set-password refuses what it cannot do, with a reason", async () => {
    const nonLeader = liveUnits(controller).find((unit) => unit.name !== controller.leader(APP))!.name;
    const cases: [string, Record<string, unknown>, RegExp][] = [
      [nonLeader, { username: "super" }, /must run on the leader/],
      [`${APP}/leader`, { username: "operator" }, /username must be one of super, sync/],
      [`${APP}/leader`, { username: "super", password: "short" }, /at least 8 characters/],
      [`${APP}/leader`, { username: "super", password: 'has"quote' }, /quotes/],
    ];
    for (const [target, params, reason] of cases) {
      const record = await controller.runAction(target, "set-password", params);
      expect(record.status).toBe("failed");
      expect(record.message).toMatch(reason);
    }
  });
});
