/**
 * The cluster protocol, state in → state out (tests/state/charm-world.ts): the charm's real handler
 * over fake machines and an in-memory ZooKeeper, hooks run in the order each test chooses. ZooKeeper's
 * committed membership and the units' statuses are the verdict.
 */
import { describe, expect, it } from "vitest";
import { CharmWorld } from "../../state/charm-world";

const voters = (...units: number[]) => units.map((unit) => `zookeeper/${unit}:participant`).join(" ");

function expectActive(world: CharmWorld): void {
  for (const unit of world.unitNames) expect(world.status(unit), unit).toMatchObject({ status: "active" });
}

describe("deploy and scale", () => {
  it("deploy 3: the leader bootstraps, the others join as observers and are added one voter at a time", async () => {
    const world = new CharmWorld(3);
    for (const unit of world.unitNames) await world.install(unit);
    // Before any relation-joined, only the bootstrap unit (the leader's choice) runs.
    expect(world.membership()).toBe(voters(0));
    expect(world.machine("zookeeper/1").serviceActive()).toBe(false);
    expect(world.status("zookeeper/1").message).toMatch(
      /waiting for zookeeper\/0 to start the ensemble|peers/,
    );
    await world.joinAll();
    await world.settle();
    expect(world.membership()).toBe(voters(0, 1, 2));
    expectActive(world);
    expect(world.appStatus()).toMatchObject({ status: "active" });
  });

  it("scale 3 → 5: both joiners become voters, in unit order", async () => {
    const world = await CharmWorld.deployed(3);
    const added = [world.addUnit(), world.addUnit()];
    for (const unit of added) await world.install(unit);
    await world.joinAll();
    await world.settle();
    expect(world.membership()).toBe(voters(0, 1, 2, 3, 4));
    expectActive(world);
  });

  it("a new unit that becomes leader before it sees any peer neither bootstraps a second ensemble nor removes a member", async () => {
    const world = await CharmWorld.deployed(3);
    const newcomer = world.addUnit();
    world.leader = newcomer;
    await world.install(newcomer);
    expect(world.membership()).toBe(voters(0, 1, 2));
    expect(world.machine(newcomer).serviceActive()).toBe(false);
    expect(world.status(newcomer)).toMatchObject({ status: "waiting" });
    await world.joinAll();
    await world.settle();
    expect(world.membership()).toBe(voters(0, 1, 2, 3));
    expectActive(world);
  });
});

describe("removal", () => {
  it("a follower's unit leaves by reconfig before its server stops; the rest stay active", async () => {
    const world = await CharmWorld.deployed(3);
    await world.removeUnit("zookeeper/2");
    expect(world.membership()).toBe(voters(0, 1));
    await world.settle();
    expectActive(world);
  });

  it("the Juju leader's unit leaves; another unit is elected and carries on", async () => {
    const world = await CharmWorld.deployed(3);
    await world.removeUnit("zookeeper/0");
    await world.elect("zookeeper/1");
    await world.settle();
    expect(world.membership()).toBe(voters(1, 2));
    expectActive(world);
  });

  it("three at once from five (the ZooKeeper leader's, the Juju leader's and a third unit), teardowns interleaved", async () => {
    const world = await CharmWorld.deployed(5);
    const zkLeader = (await world.zookeeperLeader())!;
    const leaving = [...new Set([zkLeader, "zookeeper/0", "zookeeper/3"])];
    if (leaving.length < 3) leaving.push("zookeeper/2");
    for (const unit of leaving) world.model.units[unit]!.life = "dying";
    for (const [index, unit] of leaving.entries())
      await world.removeUnit(unit, { peersFirst: index % 2 === 0 });
    if (!world.leader) await world.elect(world.unitNames[0]!);
    await world.settle();
    expect(world.membership().split(" ")).toHaveLength(2);
    expect(world.membership()).toBe(world.unitNames.map((unit) => `${unit}:participant`).join(" "));
    expectActive(world);
  });

  it("its own teardown before its peers hear of it: still removed by itself first", async () => {
    const world = await CharmWorld.deployed(3);
    await world.removeUnit("zookeeper/1", { peersFirst: false });
    await world.settle();
    expect(world.membership()).toBe(voters(0, 2));
    expectActive(world);
  });
});

describe("hooks that fail after doing their work (Juju retries them)", () => {
  it("a joiner's hooks and the leader's reconfig hook each fail once: the retries converge, nothing doubled", async () => {
    const world = await CharmWorld.deployed(3);
    const newcomer = world.addUnit();
    for (const hook of ["install", "config-changed", "start"]) {
      await world.run(newcomer, hook, {}, { failAfter: true });
      await world.expectOk(world.run(newcomer, hook));
    }
    for (const unit of ["zookeeper/1", "zookeeper/2"])
      await world.expectOk(world.peerHook(unit, "joined", newcomer));
    for (const unit of world.unitNames.filter((unit) => unit !== newcomer))
      await world.expectOk(world.peerHook(newcomer, "joined", unit));
    // The leader adds the joiner by reconfig, then its hook fails: its app-bag record is discarded,
    // but ZooKeeper's membership changed for good.
    await world.peerHook("zookeeper/0", "joined", newcomer, { failAfter: true });
    expect(world.membership()).toBe(voters(0, 1, 2, 3));
    await world.expectOk(world.peerHook("zookeeper/0", "joined", newcomer));
    await world.settle();
    expect(world.membership()).toBe(voters(0, 1, 2, 3));
    expect(world.machine(newcomer).serviceLog.filter((op) => op === "start").length).toBeLessThanOrEqual(2);
    expectActive(world);
  });
});

describe("config", () => {
  it("an invalid value blocks every unit naming the option and changes nothing; fixing it restores active", async () => {
    const world = await CharmWorld.deployed(3);
    world.model.applications.zookeeper!.config["tick-time"] = -5;
    for (const unit of world.unitNames) await world.expectOk(world.run(unit, "config-changed"));
    for (const unit of world.unitNames) {
      expect(world.status(unit)).toMatchObject({ status: "blocked" });
      expect(world.status(unit).message).toContain("tick-time");
      expect(world.machine(unit).serviceLog.filter((op) => op === "restart")).toEqual([]);
    }
    expect(world.membership()).toBe(voters(0, 1, 2));
    delete world.model.applications.zookeeper!.config["tick-time"];
    for (const unit of world.unitNames) await world.expectOk(world.run(unit, "config-changed"));
    await world.settle();
    expectActive(world);
  });

  it("a valid change restarts every server exactly once, one at a time", async () => {
    const world = await CharmWorld.deployed(3);
    world.model.applications.zookeeper!.config["tick-time"] = 3000;
    for (const unit of world.unitNames) await world.expectOk(world.run(unit, "config-changed"));
    await world.settle();
    for (const unit of world.unitNames) {
      expect(
        world.machine(unit).serviceLog.filter((op) => op === "restart"),
        unit,
      ).toEqual(["restart"]);
      expect(world.machine(unit).read("/etc/zookeeper/charm/zoo.cfg")).toContain("tickTime=3000");
    }
    expect(world.membership()).toBe(voters(0, 1, 2));
    expectActive(world);
  });
});

describe("rolling restarts and rotations", () => {
  it("a config change restarts the ZooKeeper leader's server last", async () => {
    const world = await CharmWorld.deployed(3);
    const leaderAddress = (await world.zookeeperLeader())!;
    const mark = world.journal.length;
    world.model.applications.zookeeper!.config["tick-time"] = 2500;
    for (const unit of world.unitNames) await world.expectOk(world.run(unit, "config-changed"));
    await world.settle();
    const restarts = world.journal.slice(mark).filter((entry) => entry.endsWith(" restart"));
    expect(restarts).toHaveLength(3);
    expect(restarts.at(-1)).toBe(`${leaderAddress} restart`);
    expectActive(world);
  });

  it("set-password sync: the quorum identity moves to sync2 through three rolling restarts (accept both, switch, drop the old), each electing once", async () => {
    const world = await CharmWorld.deployed(3);
    const elections = world.zookeeper.elections;
    const action = await world.runAction("zookeeper/0", "set-password", { username: "sync" });
    expect(action.status).toBe("completed");
    await world.settle();
    for (const unit of world.unitNames) {
      const jaas = world.machine(unit).read("/etc/zookeeper/charm/jaas.conf") ?? "";
      expect(jaas, unit).toContain('username="sync2"');
      expect(jaas, unit).not.toMatch(/user_sync=/);
      expect(world.machine(unit).serviceLog.filter((op) => op === "restart").length, unit).toBe(3);
    }
    // The ZooKeeper leader restarts last in every round, whichever unit's hook came first.
    expect(world.zookeeper.elections - elections).toBe(3);
    expect(world.membership()).toBe(voters(0, 1, 2));
    expectActive(world);
  });

  it("set-password super: the charm keeps administering the ensemble with the new password", async () => {
    const world = await CharmWorld.deployed(3);
    const before = world.machine("zookeeper/1").read("/etc/zookeeper/charm/zoo.cfg");
    expect((await world.runAction("zookeeper/0", "set-password", { username: "super" })).status).toBe(
      "completed",
    );
    await world.settle();
    expect(world.machine("zookeeper/1").read("/etc/zookeeper/charm/zoo.cfg")).not.toBe(before);
    // The leader still administers: a scale-up after the rotation completes.
    const newcomer = world.addUnit();
    await world.install(newcomer);
    await world.joinAll();
    await world.settle();
    expect(world.membership()).toBe(voters(0, 1, 2, 3));
    expectActive(world);
  });
});

describe("stranded joiners (issue 9)", () => {
  it("a joiner whose starting membership went stale before it was added rejoins from the fresh one", async () => {
    const world = await CharmWorld.deployed(3);
    const [first, second] = [world.addUnit(), world.addUnit()];
    await world.install(first);
    await world.install(second);
    // Both joiners started from the same committed membership; the leader now adds the first.
    await world.joinAll();
    await world.settle();
    expect(world.membership()).toBe(voters(0, 1, 2, 3, 4));
    expectActive(world);
  });
});

describe("failures ZooKeeper reports", () => {
  it("a refused admin user blocks the leader with the reason instead of waiting, and clears once accepted", async () => {
    const world = await CharmWorld.deployed(3);
    const zooCfg = world.machine("zookeeper/0").read("/etc/zookeeper/charm/zoo.cfg") ?? "";
    const digest = /^DigestAuthenticationProvider\.superDigest=(.*)$/m.exec(zooCfg)![1]!;
    world.zookeeper.changeSuperDigest("super:c29tZXRoaW5nIGVsc2UgZW50aXJlbHk=");
    const newcomer = world.addUnit();
    await world.install(newcomer);
    await world.joinAll();
    await world.settle();
    expect(world.status("zookeeper/0")).toMatchObject({ status: "blocked" });
    expect(world.status("zookeeper/0").message).toMatch(/ZooKeeper refuses the charm's admin user/);
    expect(world.membership()).toBe(voters(0, 1, 2));
    world.zookeeper.changeSuperDigest(digest);
    await world.settle();
    expect(world.membership()).toBe(voters(0, 1, 2, 3));
    expectActive(world);
  });
});

describe("hook-tool calls", () => {
  it("a hook that changes nothing asks only what the reconcile needs and sets no status again", async () => {
    const world = await CharmWorld.deployed(3);
    // relation-ids (the peer relation's id is known), status-set (the status is unchanged) are gone.
    const leader = await world.expectOk(world.peerHook("zookeeper/0", "changed", "zookeeper/1"));
    const follower = await world.expectOk(world.peerHook("zookeeper/1", "changed", "zookeeper/0"));
    expect(leader.tools).not.toContain("status-set");
    expect(follower.tools).not.toContain("status-set");
    expect(leader.tools.filter((tool) => tool === "relation-ids")).toEqual(["relation-ids"]); // the clients
    expect(leader.tools.length, leader.tools.join(" ")).toBeLessThanOrEqual(9);
    expect(follower.tools.length, follower.tools.join(" ")).toBeLessThanOrEqual(8);
    const configChanged = await world.expectOk(world.run("zookeeper/1", "config-changed"));
    expect(configChanged.tools.length, configChanged.tools.join(" ")).toBeLessThanOrEqual(9);
  });
});

describe("update-status", () => {
  it("on a settled ensemble asks Juju almost nothing and keeps the status", async () => {
    const world = await CharmWorld.deployed(3);
    for (const unit of world.unitNames) {
      const run = await world.expectOk(world.run(unit, "update-status"));
      expect(run.tools.length, `${unit}: ${run.tools.join(", ")}`).toBeLessThanOrEqual(2);
      expect(world.status(unit)).toMatchObject({ status: "active" });
    }
  });

  it("notices a crashed server and starts it again, as the member it was", async () => {
    const world = await CharmWorld.deployed(3);
    world.machine("zookeeper/2").crash();
    await world.expectOk(world.run("zookeeper/2", "update-status"));
    expect(world.machine("zookeeper/2").serviceActive()).toBe(true);
    expect(world.membership()).toBe(voters(0, 1, 2));
    expect((await world.zookeeper.probe(world.machine("zookeeper/2").address)).serving).toBe(true);
    expect(world.status("zookeeper/2")).toMatchObject({ status: "active" });
  });
});

describe("every hook kind on a settled ensemble", () => {
  it.each([
    ["upgrade-charm", {}],
    ["leader-settings-changed", {}],
    ["update-status", {}],
    ["config-changed", {}],
    ["data-storage-attached", { storageId: "data/1" }],
  ] as const)("%s changes nothing and keeps every unit active", async (hook, extra) => {
    const world = await CharmWorld.deployed(3);
    const before = world.membership();
    const mark = world.journal.length;
    for (const unit of world.unitNames) await world.expectOk(world.run(unit, hook, extra));
    expect(world.membership()).toBe(before);
    expect(world.journal.slice(mark).filter((entry) => !entry.endsWith("daemon-reload"))).toEqual([]);
    expectActive(world);
  });

  it("the password actions answer on the leader and refuse elsewhere", async () => {
    const world = await CharmWorld.deployed(3);
    const onLeader = await world.runAction("zookeeper/0", "get-super-password");
    expect(onLeader.status).toBe("completed");
    expect(String(onLeader.results["super-password"])).toMatch(/^[A-Za-z0-9]{32}$/);
    expect((await world.runAction("zookeeper/0", "get-sync-password")).status).toBe("completed");
    const elsewhere = await world.runAction("zookeeper/1", "set-password", { username: "super" });
    expect(elsewhere.status).toBe("failed");
    expect(elsewhere.message).toMatch(/leader/);
  });
});

describe("the health the charm reports, recorded for the metrics service", () => {
  const record = (world: CharmWorld, unit: string) =>
    JSON.parse(world.machine(unit).read("/etc/zookeeper/charm/reported-health.json") ?? "null");

  it("is what the last reconcile saw of its own server: healthy when settled, down when its server stops answering", async () => {
    const world = await CharmWorld.deployed(3);
    for (const unit of world.unitNames)
      expect(record(world, unit), unit).toEqual({ serving: true, voting: true, answering: true });
    world.zookeeper.stop(world.machine("zookeeper/2").address);
    await world.expectOk(world.run("zookeeper/2", "update-status"));
    expect(record(world, "zookeeper/2")).toEqual({ serving: false, voting: false, answering: false });
    expect(world.status("zookeeper/2")).toMatchObject({ status: "waiting" });
  });
});
