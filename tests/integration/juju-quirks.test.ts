/**
 * The charm under Juju's less obvious behaviours (issue 11), each reproduced by the emulator as
 * Juju's source defines it: machines whose network-get lists an IPv6 ULA and a second NIC before
 * the unit's IPv4 address. The ensemble must form on the IPv4 ingress addresses, as ZooKeeper's own
 * configuration shows.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Controller } from "../sim/controller";
import {
  deployZookeeper,
  destroyModel,
  expectHealthyEnsemble,
  liveUnits,
  newModel,
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
});
