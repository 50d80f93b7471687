/**
 * Removing units from a 5-unit ensemble: a follower, the ZooKeeper leader, the Juju leader, and then
 * those three at once. Each leaving unit is removed by reconfig before its server stops; a planned
 * removal that leaves a majority never stops writes through a surviving follower for long, and
 * every znode survives.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { probeRuok } from "../../lib/zookeeper";
import type { Controller } from "../sim/controller";
import {
  APP,
  deployZookeeper,
  destroyModel,
  expectHealthyEnsemble,
  expectZnodesOnEveryMember,
  liveUnits,
  newModel,
  saveDebugLog,
  superPassword,
  writeZnodes,
  zookeeperLeader,
} from "./support/charm-model";
import { keepWriting } from "./support/writer";

let controller: Controller;
const written: string[] = [];

beforeAll(async () => {
  controller = await newModel();
  await deployZookeeper(controller, 5);
  written.push(...(await writeZnodes(controller, "removal", 10)));
});
afterEach((context) => {
  if (context.task.result?.state === "fail") saveDebugLog(controller, "removal");
});
afterAll(async () => {
  await destroyModel(controller);
});

async function removeAndCheck(...units: string[]): Promise<void> {
  const addresses = units.map((unit) => controller.unit(unit).address);
  controller.removeUnit(...units);
  await controller.waitFor({ timeoutMs: 300_000 });
  for (const unit of units) expect(controller.model.units[unit]).toBeUndefined();
  // The removed servers are stopped: nothing answers on their addresses any more.
  for (const address of addresses) {
    await expect(probeRuok(`${address}:2181`, { timeoutMs: 1_000 })).rejects.toThrow();
  }
  await expectHealthyEnsemble(controller);
  await expectZnodesOnEveryMember(controller, written);
}

describe("removing units", () => {
  it("a follower: writes through another follower never fail", async () => {
    const zkLeader = await zookeeperLeader(controller);
    const jujuLeader = controller.leader(APP);
    const [follower, stays] = liveUnits(controller).filter(
      (unit) => unit.name !== zkLeader && unit.name !== jujuLeader,
    );
    const writer = await keepWriting({
      hosts: [`${stays!.address}:2181`],
      auth: { username: "super", password: superPassword(controller) },
      path: "/itest/writer",
    });
    await removeAndCheck(follower!.name);
    const result = await writer.stop();
    expect(result.failed).toBe(0);
    expect(result.acknowledged.length).toBeGreaterThan(0);
  });

  it("the ZooKeeper leader's unit", async () => {
    const zkLeader = await zookeeperLeader(controller);
    await removeAndCheck(zkLeader);
    // The survivors elected a leader among themselves (expectHealthyEnsemble: exactly one).
    expect(liveUnits(controller).map((unit) => unit.name)).toContain(await zookeeperLeader(controller));
  });

  it("the Juju leader's unit: another unit is elected and the ensemble shrinks", async () => {
    const jujuLeader = controller.leader(APP)!;
    const mark = controller.model.logs.length;
    await removeAndCheck(jujuLeader);
    // A surviving unit took over and ran leader-elected after the old leader went.
    const leader = controller.leader(APP);
    expect(liveUnits(controller).map((unit) => unit.name)).toContain(leader);
    const ranElected = controller.model.logs
      .slice(mark)
      .some(
        (record) =>
          record.unit === leader &&
          record.logger === "juju.worker.uniter.operation" &&
          record.message.startsWith('ran "leader-elected" hook'),
      );
    expect(ranElected).toBe(true);
    expect(liveUnits(controller)).toHaveLength(2);
  });

  it("the ZooKeeper leader, the Juju leader and a third unit at once, from 5", async () => {
    await controller.addUnit(APP, 3);
    await controller.waitFor({ timeoutMs: 300_000 });
    await expectHealthyEnsemble(controller);
    const zkLeader = await zookeeperLeader(controller);
    const jujuLeader = controller.leader(APP)!;
    const third = liveUnits(controller).find(
      (unit) => unit.name !== zkLeader && unit.name !== jujuLeader,
    )!.name;
    const leaving = [...new Set([zkLeader, jujuLeader, third])];
    if (leaving.length < 3) {
      leaving.push(liveUnits(controller).find((unit) => !leaving.includes(unit.name))!.name);
    }
    await removeAndCheck(...leaving);
    expect(liveUnits(controller)).toHaveLength(2);
  });
});
