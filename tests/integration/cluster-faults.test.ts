/**
 * Faults nobody repairs by hand: a member's JVM killed (SIGKILL), frozen (SIGSTOP) then resumed, hooks
 * failing in the middle of a join, every member killed at once. The service manager restarts crashed servers as systemd would; the charm's
 * next hooks (update-status at least) report them, and the ensemble converges to full health.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Controller } from "../sim/controller";
import {
  APP,
  adminSession,
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
  controller = await newModel("1m");
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

  it("a joining unit's hooks and the leader's reconfig hook fail once each, after doing their work", async () => {
    const [joiner] = await controller.addUnit(APP, 1);
    for (const hook of ["cluster-relation-created", "leader-settings-changed", "config-changed", "start"]) {
      controller.failHookOnce(joiner!, hook);
    }
    controller.failHookOnce(controller.leader(APP)!, "cluster-relation-changed");
    await converged();
    expect(liveUnits(controller)).toHaveLength(4);
    const failed = controller.model.logs.filter((record) => record.logger === "juju.worker.uniter.failpoint");
    expect(failed).toHaveLength(5);
  });

  it("a member removed from the ensemble behind the charm's back is added again", async () => {
    const leader = await zookeeperLeader(controller);
    const victim = liveUnits(controller).find((unit) => unit.name !== leader)!;
    const zk = await adminSession(controller);
    try {
      const config = await zk.getConfig({ sync: true });
      await zk.reconfig({ leaving: [victim.id], fromConfig: config.version });
    } finally {
      await zk.close();
    }
    await converged();
  });

  it("every member killed at once", async () => {
    for (const unit of liveUnits(controller)) process.kill(serverPid(controller, unit.name), "SIGKILL");
    await converged();
  });
});
