/**
 * Network faults, as the Python charm's HA suite stages them, on machines with networks of their own
 * (each unit's eth0 on the model's bridge): a unit's link cut (its Juju agent is lost with it) and
 * partitions made with nftables (agents still reach the controller). A client writes continuously
 * through the units that keep quorum; afterwards ZooKeeper's own view must be whole again — every
 * unit a serving participant, one leader, voters synced, every znode on every member — and no write
 * ZooKeeper acknowledged may be missing. Nothing is repaired by hand: healing the network is all.
 */
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { probeSrvr } from "../../lib/zookeeper";
import type { Controller } from "../sim/controller";
import { formattedStatus } from "../sim/status";
import {
  APP,
  adminSession,
  deployZookeeper,
  destroyModelAfterAll,
  eventually,
  expectHealthyEnsemble,
  expectWholeEnsemble,
  expectZnodesOnEveryMember,
  liveUnits,
  newModel,
  superPassword,
  writeZnodes,
  zookeeperLeader,
} from "./support/charm-model";
import { expectNoLostWrites, keepWriting, type Writer, type WriterResult } from "./support/writer";

let controller: Controller;
const written: string[] = [];

beforeAll(async () => {
  // Faults may lean on update-status for what only the next hook can report (at Juju's minimum).
  controller = await newModel("1m", { networkPerMachine: true });
  await deployZookeeper(controller, 3);
  written.push(...(await writeZnodes(controller, "netfaults", 10)));
});
destroyModelAfterAll("network-faults", () => controller);
afterEach((context) => {
  if (context.task.result?.state !== "fail") return;
  // A failed scenario must not leave its fault behind for the next one.
  for (const unit of controller.unitsOf(APP)) if (unit.agentLost) controller.healNetwork(unit.name);
  controller.partition([]);
});

const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

/** A client writing as super through `units` only, under /itest/<tag>. */
function writeThrough(units: readonly string[], tag: string): Promise<Writer> {
  return keepWriting({
    hosts: units.map((unit) => `${controller.unit(unit).address}:2181`),
    auth: { username: "super", password: superPassword(controller) },
    path: `/itest/${tag}`,
  });
}

async function serving(unit: string): Promise<boolean> {
  const srvr = await probeSrvr(`${controller.unit(unit).address}:2181`, { timeoutMs: 2_000 }).catch(
    () => undefined,
  );
  return srvr?.serving === true;
}

/** The unit among `units` whose server leads, once one does. */
async function leaderAmong(units: readonly string[]): Promise<string> {
  let found: string | undefined;
  await eventually(async () => {
    for (const unit of units) {
      const srvr = await probeSrvr(`${controller.unit(unit).address}:2181`, { timeoutMs: 2_000 }).catch(
        () => undefined,
      );
      if (srvr?.mode === "leader") {
        found = unit;
        return;
      }
    }
    throw new Error(`no leader among ${units.join(", ")}`);
  }, 90_000);
  return found!;
}

function shownStatus(unit: string): { workload: string; agent: string; message: string } {
  const status = formattedStatus(controller.model) as {
    applications: Record<
      string,
      { units: Record<string, Record<string, { current: string; message?: string }>> }
    >;
  };
  const entry = status.applications[APP]!.units[unit]!;
  return {
    workload: entry["workload-status"]!.current,
    agent: entry["juju-status"]!.current,
    message: entry["workload-status"]!.message ?? "",
  };
}

/**
 * After healing: ZooKeeper's view becomes whole, then the model settles with every unit active;
 * returns how long each took.
 */
async function recovered(since: number): Promise<{ zookeeper: string; statuses: string }> {
  await eventually(() => expectWholeEnsemble(controller), 240_000);
  const zookeeper = Date.now() - since;
  await eventually(async () => {
    await controller.waitFor({ timeoutMs: 60_000 });
    await expectHealthyEnsemble(controller);
  }, 240_000);
  const statuses = Date.now() - since;
  await expectZnodesOnEveryMember(controller, written);
  return { zookeeper: seconds(zookeeper), statuses: seconds(statuses) };
}

async function expectNothingLost(tag: string, result: WriterResult): Promise<void> {
  expect(result.acknowledged.length).toBeGreaterThan(20);
  await expectNoLostWrites(controller, `/itest/${tag}`, result);
}

function report(tag: string, figures: Record<string, string | number>, result: WriterResult): void {
  const parts = Object.entries(figures).map(([key, value]) => `${key} ${value}`);
  console.log(
    `network-faults ${tag}: ${parts.join(", ")}; ${result.acknowledged.length} writes acknowledged, ${result.failed} failed, longest gap ${seconds(result.longestGapMs)}`,
  );
}

describe("network faults on 3 units", () => {
  it("the ZooKeeper leader's unit cut off: the others elect a leader and serve; healed, it rejoins", async () => {
    const cut = await zookeeperLeader(controller);
    const survivors = liveUnits(controller)
      .map((unit) => unit.name)
      .filter((name) => name !== cut);
    const writer = await writeThrough(survivors, "cut-leader");
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    const cutAt = Date.now();
    controller.cutNetwork(cut);
    const newLeader = await leaderAmong(survivors);
    const elected = Date.now() - cutAt;
    expect(survivors).toContain(newLeader);
    expect(await serving(cut)).toBe(false);
    // Juju's view of the cut unit: its agent is lost, and nothing it says can reach the controller.
    expect(shownStatus(cut)).toMatchObject({ workload: "unknown", agent: "lost" });
    await new Promise((resolve) => setTimeout(resolve, 5_000));
    const healedAt = Date.now();
    controller.healNetwork(cut);
    const took = await recovered(healedAt);
    const result = await writer.stop();
    await expectNothingLost("cut-leader", result);
    report(
      "cut ZooKeeper leader",
      {
        "new leader elected after": seconds(elected),
        "ZooKeeper whole after heal": took.zookeeper,
        "every unit active after heal": took.statuses,
      },
      result,
    );
  });

  it("a follower's unit cut off, and healed", async () => {
    const leader = await zookeeperLeader(controller);
    const cut = liveUnits(controller).find((unit) => unit.name !== leader)!.name;
    const survivors = liveUnits(controller)
      .map((unit) => unit.name)
      .filter((name) => name !== cut);
    const writer = await writeThrough(survivors, "cut-follower");
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    controller.cutNetwork(cut);
    await new Promise((resolve) => setTimeout(resolve, 8_000));
    // The quorum never broke: the same leader, still serving.
    expect(await leaderAmong(survivors)).toBe(leader);
    const healedAt = Date.now();
    controller.healNetwork(cut);
    const took = await recovered(healedAt);
    const result = await writer.stop();
    await expectNothingLost("cut-follower", result);
    report(
      "cut follower",
      { "ZooKeeper whole after heal": took.zookeeper, "every unit active after heal": took.statuses },
      result,
    );
  });

  it("partitioned 2|1 with the ZooKeeper leader alone: only the majority serves; the minority says why", async () => {
    const alone = await zookeeperLeader(controller);
    const majority = liveUnits(controller)
      .map((unit) => unit.name)
      .filter((name) => name !== alone);
    const writer = await writeThrough(majority, "partition-2-1");
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    const splitAt = Date.now();
    controller.partition([majority, [alone]]);
    await leaderAmong(majority);
    const elected = Date.now() - splitAt;
    await eventually(async () => {
      if (await serving(alone)) throw new Error(`${alone} still serves without a quorum`);
    }, 60_000);
    // Its agent still reaches the controller: update-status reports what ZooKeeper says.
    await controller.runHookNow(alone, "update-status");
    expect(shownStatus(alone)).toEqual({
      workload: "waiting",
      agent: "idle",
      message: "ZooKeeper is running but not serving requests (no quorum reachable)",
    });
    const healedAt = Date.now();
    controller.partition([]);
    const took = await recovered(healedAt);
    const result = await writer.stop();
    await expectNothingLost("partition-2-1", result);
    report(
      "partition 2|1",
      {
        "majority leader after": seconds(elected),
        "ZooKeeper whole after heal": took.zookeeper,
        "every unit active after heal": took.statuses,
      },
      result,
    );
  });

  it("the Juju leader's unit (not the ZooKeeper leader's) cut off while a unit is added: the add completes", async () => {
    const zkLeader = await zookeeperLeader(controller);
    if (controller.leader(APP) === zkLeader) {
      controller.moveLeadership(APP);
      await controller.waitFor({ timeoutMs: 120_000 });
    }
    const jujuLeader = controller.leader(APP)!;
    expect(jujuLeader).not.toBe(zkLeader);
    const survivors = liveUnits(controller)
      .map((unit) => unit.name)
      .filter((name) => name !== jujuLeader);
    const writer = await writeThrough(survivors, "cut-juju-leader");
    const [joiner] = await controller.addUnit(APP, 1);
    controller.cutNetwork(jujuLeader);
    // Leadership moves once the lease expires; the new leader carries the add through.
    await eventually(async () => {
      const leader = controller.leader(APP);
      if (leader === undefined || leader === jujuLeader) throw new Error("leadership has not moved yet");
      const zk = await adminSession(
        controller,
        survivors.map((unit) => `${controller.unit(unit).address}:2181`),
      );
      try {
        const config = await zk.getConfig({ sync: true });
        const id = controller.unit(joiner!).number + 1;
        if (!config.servers.some((server) => server.id === id && server.role === "participant"))
          throw new Error(`${joiner} is not a voter yet`);
      } finally {
        await zk.close();
      }
    }, 180_000);
    const healedAt = Date.now();
    controller.healNetwork(jujuLeader);
    const took = await recovered(healedAt);
    expect(liveUnits(controller)).toHaveLength(4);
    const result = await writer.stop();
    await expectNothingLost("cut-juju-leader", result);
    report(
      "cut Juju leader during add",
      { "ZooKeeper whole after heal": took.zookeeper, "every unit active after heal": took.statuses },
      result,
    );
  });
});

describe("network faults on 5 units", () => {
  it("partitioned 3|2 with the ZooKeeper leader in the minority: only the majority serves; healed, all synced", async () => {
    await controller.addUnit(APP, 1);
    await recovered(Date.now());
    const units = liveUnits(controller).map((unit) => unit.name);
    expect(units).toHaveLength(5);
    const leader = await zookeeperLeader(controller);
    const minority = [leader, units.find((name) => name !== leader)!];
    const majority = units.filter((name) => !minority.includes(name));
    const writer = await writeThrough(majority, "partition-3-2");
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    const splitAt = Date.now();
    controller.partition([majority, minority]);
    await leaderAmong(majority);
    const elected = Date.now() - splitAt;
    await eventually(async () => {
      for (const unit of minority)
        if (await serving(unit)) throw new Error(`${unit} still serves without a quorum`);
    }, 60_000);
    await new Promise((resolve) => setTimeout(resolve, 3_000));
    const healedAt = Date.now();
    controller.partition([]);
    const took = await recovered(healedAt);
    const result = await writer.stop();
    await expectNothingLost("partition-3-2", result);
    report(
      "partition 3|2",
      {
        "majority leader after": seconds(elected),
        "ZooKeeper whole after heal": took.zookeeper,
        "every unit active after heal": took.statuses,
      },
      result,
    );
  });
});
