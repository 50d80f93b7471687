/**
 * The charm under Juju's less obvious behaviours (issue 11), each reproduced by the emulator as
 * Juju's source defines it: machines whose network-get lists an IPv6 ULA and a second NIC before
 * the unit's IPv4 address (the ensemble must form on the IPv4 ingress addresses, as ZooKeeper's own
 * configuration shows), and leadership taken away in the middle of the leader's hook while a unit
 * joins (the join must complete under the new leader).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Controller } from "../sim/controller";
import {
  APP,
  deployZookeeper,
  destroyModel,
  eventually,
  expectHealthyEnsemble,
  liveUnits,
  newModel,
  saveDebugLog,
} from "./support/charm-model";

let controller: Controller;

beforeAll(async () => {
  controller = await newModel("60m", { dualStack: true });
});
afterAll(async () => {
  await destroyModel(controller);
});

describe("Juju's quirks", () => {
  it("network-get lists an IPv6 ULA and a second NIC first: the ensemble forms on the IPv4 ingress addresses", async () => {
    await deployZookeeper(controller, 3);
    const bind = await controller.exec("zookeeper/0", "network-get cluster --bind-address");
    expect(bind.stdout.trim()).toMatch(/^fd42::/);
    const view = await expectHealthyEnsemble(controller);
    expect(view.config.servers.map((server) => server.address).sort()).toEqual(
      liveUnits(controller)
        .map((unit) => unit.address)
        .sort(),
    );
  });

  it("leadership moves away in the middle of leaders' hooks, three times, while a unit joins: the join completes", async () => {
    const first = controller.leader(APP)!;
    const mark = controller.model.logs.length;
    // Right after a leader's next is-leader answers True, the lease goes to another unit: that hook
    // goes on believing it leads (as ops trusts the answer for 30 s) until Juju refuses it. Each new
    // leader loses it the same way, up to three times, so the hooks that lose it differ.
    let losses = 1;
    const stop = controller.followLogs((record) => {
      const promoted = new RegExp(`^(\\S+) promoted to leadership of ${APP}$`).exec(record.message);
      if (promoted && losses < 3) {
        losses += 1;
        controller.loseLeadershipOnce(promoted[1]!, "is-leader");
      }
    });
    controller.loseLeadershipOnce(first, "is-leader");
    try {
      await controller.addUnit(APP);
      await eventually(async () => {
        await controller.waitFor({ timeoutMs: 240_000, allowErrors: true });
        const inError = controller.unitsOf(APP).filter((unit) => unit.agentStatus.status === "error");
        if (inError.length > 0) throw new Error(`${inError.map((unit) => unit.name).join(", ")} in error`);
        await expectHealthyEnsemble(controller);
      }, 240_000);
    } catch (error) {
      saveDebugLog(controller, "leadership-moves");
      throw error;
    } finally {
      stop();
    }
    const lost = controller.model.logs
      .slice(mark)
      .filter((record) => record.message.endsWith(` lost leadership of ${APP}`));
    expect(lost.length).toBeGreaterThanOrEqual(2);
    expect(liveUnits(controller)).toHaveLength(4);
  });
});
