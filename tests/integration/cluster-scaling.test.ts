/**
 * Scaling a real ensemble on the emulator: 1 → 3 one unit at a time, 3 → 5 with two at once, down to
 * 3 and to 1, and back to 3 with new unit numbers. After every step ZooKeeper itself must agree:
 * /zookeeper/config lists exactly the live units, one leader, every voter synced, no znode lost.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Controller } from "../sim/controller";
import {
  APP,
  deployZookeeper,
  destroyModel,
  expectHealthyEnsemble,
  expectZnodesOnEveryMember,
  liveUnits,
  newModel,
  writeZnodes,
} from "./support/charm-model";

let controller: Controller;
const written: string[] = [];

beforeAll(async () => {
  controller = await newModel();
});
afterAll(async () => {
  await destroyModel(controller);
});

async function settleAndCheck(): Promise<void> {
  await controller.waitFor({ timeoutMs: 240_000 });
  await expectHealthyEnsemble(controller);
  await expectZnodesOnEveryMember(controller, written);
}

describe("scaling by dynamic reconfig", () => {
  it("deploy -n 1: a single member serving as leader", async () => {
    await deployZookeeper(controller, 1);
    const view = await expectHealthyEnsemble(controller);
    expect(view.modes).toEqual({ "zookeeper/0": "leader" });
    written.push(...(await writeZnodes(controller, "scale-1", 5)));
  });

  it("add-unit one at a time to 3", async () => {
    await controller.addUnit(APP, 1);
    await settleAndCheck();
    await controller.addUnit(APP, 1);
    await settleAndCheck();
    expect(liveUnits(controller).map((unit) => unit.name)).toEqual([
      "zookeeper/0",
      "zookeeper/1",
      "zookeeper/2",
    ]);
    written.push(...(await writeZnodes(controller, "scale-3", 5)));
  });

  it("add two units at once: 3 → 5", async () => {
    await controller.addUnit(APP, 2);
    await settleAndCheck();
    expect(liveUnits(controller)).toHaveLength(5);
  });

  it("scale-application down to 3, then to 1", async () => {
    await controller.scaleApplication(APP, 3);
    await settleAndCheck();
    expect(liveUnits(controller).map((unit) => unit.name)).toEqual([
      "zookeeper/0",
      "zookeeper/1",
      "zookeeper/2",
    ]);
    await controller.scaleApplication(APP, 1);
    await settleAndCheck();
    expect(liveUnits(controller).map((unit) => unit.name)).toEqual(["zookeeper/0"]);
  });

  it("back to 3: new unit numbers join the surviving member", async () => {
    written.push(...(await writeZnodes(controller, "scale-back", 5)));
    await controller.scaleApplication(APP, 3);
    await settleAndCheck();
    expect(liveUnits(controller).map((unit) => unit.name)).toEqual([
      "zookeeper/0",
      "zookeeper/5",
      "zookeeper/6",
    ]);
  });
});
