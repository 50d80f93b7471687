/**
 * Faults nobody repairs by hand: a member's JVM killed (SIGKILL), frozen (SIGSTOP) then resumed, every
 * member killed at once. The service manager restarts crashed servers as systemd would; the charm's
 * next hooks (update-status at least) report them, and the ensemble converges to full health.
 */
import { afterAll, beforeAll, describe, it } from "vitest";
import type { Controller } from "../sim/controller";
import {
  deployZookeeper,
  destroyModel,
  eventually,
  expectHealthyEnsemble,
  expectZnodesOnEveryMember,
  liveUnits,
  newModel,
  serverPid,
  writeZnodes,
  zookeeperLeader,
} from "./support/charm-model";

let controller: Controller;
const written: string[] = [];

beforeAll(async () => {
  controller = await newModel();
  await deployZookeeper(controller, 3);
  written.push(...(await writeZnodes(controller, "faults", 10)));
});
afterAll(async () => {
  await destroyModel(controller);
});

async function converged(): Promise<void> {
  await eventually(async () => {
    await controller.waitFor({ timeoutMs: 60_000 });
    await expectHealthyEnsemble(controller);
  }, 180_000);
  await expectZnodesOnEveryMember(controller, written);
}

describe("faults", () => {
  it("a follower's JVM killed with SIGKILL", async () => {
    const leader = await zookeeperLeader(controller);
    const follower = liveUnits(controller).find((unit) => unit.name !== leader)!;
    process.kill(serverPid(controller, follower.name), "SIGKILL");
    await converged();
  });

  it("the leader's JVM killed with SIGKILL", async () => {
    process.kill(serverPid(controller, await zookeeperLeader(controller)), "SIGKILL");
    await converged();
  });

  it("a member frozen with SIGSTOP, then resumed", async () => {
    const unit = liveUnits(controller)[1]!.name;
    const pid = serverPid(controller, unit);
    process.kill(pid, "SIGSTOP");
    await new Promise((resolve) => setTimeout(resolve, 15_000));
    process.kill(pid, "SIGCONT");
    await converged();
  });

  it("every member killed at once", async () => {
    for (const unit of liveUnits(controller)) process.kill(serverPid(controller, unit.name), "SIGKILL");
    await converged();
  });
});
