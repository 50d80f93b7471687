/**
 * Machine reboots (Controller.reboot: every process of the machine killed, /tmp and /run emptied,
 * enabled services started by the machine's service manager, then the unit agent back with Juju's
 * implicit start hook): of a follower, of the ZooKeeper leader, and of every machine at once. The
 * ensemble must come back with all its data and every unit active, with no operator action and
 * without update-status (the model's interval is 60 minutes).
 */
import { beforeAll, describe, expect, it } from "vitest";
import type { Controller } from "../sim/controller";
import {
  deployZookeeper,
  destroyModelAfterAll,
  eventually,
  expectHealthyEnsemble,
  expectZnodesOnEveryMember,
  liveUnits,
  newModel,
  serverPid,
  superPassword,
  writeZnodes,
  zookeeperLeader,
} from "./support/charm-model";
import { expectNoLostWrites, keepWriting } from "./support/writer";

let controller: Controller;
const written: string[] = [];

beforeAll(async () => {
  controller = await newModel();
  await deployZookeeper(controller, 3);
  written.push(...(await writeZnodes(controller, "reboots", 10)));
});
destroyModelAfterAll("reboots", () => controller);

/** Reboots `units` while a client writes through the others (if any); checks what ZooKeeper kept. */
async function rebootAndRecover(units: readonly string[], tag: string): Promise<void> {
  const others = liveUnits(controller).filter((unit) => !units.includes(unit.name));
  const writer =
    others.length > 0
      ? await keepWriting({
          hosts: others.map((unit) => `${unit.address}:2181`),
          auth: { username: "super", password: superPassword(controller) },
          path: `/itest/${tag}`,
        })
      : undefined;
  const jvms = units.map((unit) => serverPid(controller, unit));
  const started = Date.now();
  await controller.reboot(units);
  await eventually(async () => {
    await controller.waitFor({ timeoutMs: 60_000 });
    await expectHealthyEnsemble(controller);
  }, 240_000);
  const took = Date.now() - started;
  // Each rebooted machine runs a new JVM: the old one died with the machine.
  for (const [index, unit] of units.entries()) expect(serverPid(controller, unit)).not.toBe(jvms[index]);
  await expectZnodesOnEveryMember(controller, written);
  if (writer) {
    const result = await writer.stop();
    expect(result.acknowledged.length).toBeGreaterThan(20);
    await expectNoLostWrites(controller, `/itest/${tag}`, result);
    console.log(
      `reboot ${tag}: healthy and active after ${(took / 1000).toFixed(1)} s; ${result.acknowledged.length} writes, ${result.failed} failed, longest gap ${(result.longestGapMs / 1000).toFixed(1)} s`,
    );
  } else console.log(`reboot ${tag}: healthy and active after ${(took / 1000).toFixed(1)} s`);
}

describe("reboots", () => {
  it("a follower's machine", async () => {
    const leader = await zookeeperLeader(controller);
    const follower = liveUnits(controller).find((unit) => unit.name !== leader)!;
    await rebootAndRecover([follower.name], "follower");
  });

  it("the ZooKeeper leader's machine", async () => {
    await rebootAndRecover([await zookeeperLeader(controller)], "leader");
  });

  it("every machine at once", async () => {
    await rebootAndRecover(
      liveUnits(controller).map((unit) => unit.name),
      "all",
    );
    // And it still takes writes.
    written.push(...(await writeZnodes(controller, "after-reboots", 5)));
    await expectZnodesOnEveryMember(controller, written);
  });
});
