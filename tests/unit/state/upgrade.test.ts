/**
 * Upgrading the ZooKeeper package (issue 16.3), state in → state out: `upgrade-zookeeper` on the
 * leader, then units stop, upgrade and start one at a time, the ZooKeeper leader last, each checked
 * serving, voting and reporting the new version; a failed check stops the roll at that unit.
 * The fake servers report their package's upstream version in srvr, as real ones do.
 */
import { describe, expect, it } from "vitest";
import { CharmWorld } from "../../state/charm-world";

const INSTALLED = "3.9.3-1";
const NEWER = "3.9.3-2";
const BROKEN = "3.9.3-3";
const PACKAGES = ["zookeeper", "libzookeeper-java"];

async function deployed(units: number): Promise<CharmWorld> {
  const world = await CharmWorld.deployed(units);
  for (const unit of world.unitNames) publish(world, unit);
  return world;
}

/** The newer and the broken versions in every machine's apt sources. */
function publish(world: CharmWorld, unit: string): void {
  const machine = world.machine(unit);
  for (const name of PACKAGES) machine.published.set(name, [INSTALLED, NEWER, BROKEN]);
  machine.brokenVersions.add(BROKEN);
}

/** `zookeeper/1 stop`, `zookeeper/1 start` … for the ZooKeeper service since `mark`. */
function serviceOps(world: CharmWorld, mark: number): string[] {
  return world.journal.slice(mark).filter((entry) => / (stop|start|restart)$/.test(entry));
}

async function versions(world: CharmWorld): Promise<Record<string, string | undefined>> {
  const reported: Record<string, string | undefined> = {};
  for (const unit of world.unitNames) {
    reported[unit] = (await world.zookeeper.probe(world.machine(unit).address)).version?.split("-")[0];
  }
  return reported;
}

describe("upgrade-zookeeper", () => {
  it("upgrades one unit at a time, the ZooKeeper leader last, each serving the new version before the next", async () => {
    const world = await deployed(3);
    const zkLeader = (await world.zookeeperLeader())!;
    const mark = world.journal.length;
    const action = await world.runAction("zookeeper/0", "upgrade-zookeeper", { version: NEWER });
    expect(action.status, action.message).toBe("completed");
    expect(String(action.results?.result)).toContain(`${INSTALLED} → ${NEWER}`);
    await world.settle();
    for (const unit of world.unitNames) {
      expect(world.machine(unit).packageVersion("zookeeper"), unit).toBe(NEWER);
      expect(world.machine(unit).packageVersion("libzookeeper-java"), unit).toBe(NEWER);
      expect([...world.machine(unit).held].sort(), unit).toEqual(PACKAGES.slice().sort());
      expect(world.status(unit), unit).toMatchObject({ status: "active" });
    }
    expect(world.appStatus()).toMatchObject({ status: "active" });
    // Stop, start per unit, never two units down at once, and the ZooKeeper leader last.
    const ops = serviceOps(world, mark);
    expect(ops).toHaveLength(6);
    for (let i = 0; i < ops.length; i += 2) {
      expect(ops[i]!.replace(/ stop$/, "")).toBe(ops[i + 1]!.replace(/ start$/, ""));
    }
    expect(ops.at(-1)).toBe(`${zkLeader} start`);
    expect(world.membership()).toBe(
      "zookeeper/0:participant zookeeper/1:participant zookeeper/2:participant",
    );
  });

  it("a unit alone upgrades within the action", async () => {
    const world = await deployed(1);
    const action = await world.runAction("zookeeper/0", "upgrade-zookeeper", { version: NEWER });
    expect(action.status, action.message).toBe("completed");
    expect(world.machine("zookeeper/0").packageVersion("zookeeper")).toBe(NEWER);
    expect(world.status("zookeeper/0")).toMatchObject({ status: "active" });
  });

  it("a failed post-check stops the roll at that unit and says so; upgrading back to the version it came from resumes", async () => {
    const world = await deployed(3);
    const zkLeader = (await world.zookeeperLeader())!;
    expect((await world.runAction("zookeeper/0", "upgrade-zookeeper", { version: BROKEN })).status).toBe(
      "completed",
    );
    await world.settle();
    const upgraded = world.unitNames.filter(
      (unit) => world.machine(unit).packageVersion("zookeeper") === BROKEN,
    );
    expect(upgraded).toHaveLength(1);
    const [failed] = upgraded as [string];
    expect(failed).not.toBe(zkLeader);
    expect(world.status(failed)).toMatchObject({
      status: "blocked",
      message: expect.stringContaining(`upgrade to ZooKeeper ${BROKEN} failed its check`),
    });
    expect(world.appStatus()).toMatchObject({
      status: "blocked",
      message: `upgrade to ZooKeeper ${BROKEN} stopped at ${failed}: it failed its check`,
    });
    // The other two still serve, as a quorum.
    const reported = await versions(world);
    expect(Object.values(reported).filter((version) => version === "3.9.3")).toHaveLength(2);
    // A new version while the roll stands still: the failed unit goes first, then the rest.
    const back = await world.runAction("zookeeper/0", "upgrade-zookeeper", { version: INSTALLED });
    expect(back.status, back.message).toBe("completed");
    await world.settle();
    for (const unit of world.unitNames) {
      expect(world.machine(unit).packageVersion("zookeeper"), unit).toBe(INSTALLED);
      expect(world.status(unit), unit).toMatchObject({ status: "active" });
    }
    expect(world.appStatus()).toMatchObject({ status: "active" });
  });

  it("refuses, saying why: not the leader, a version apt does not offer, a minor version back, no version", async () => {
    const world = await deployed(3);
    const refused = async (unit: string, params: Record<string, unknown>) => {
      const action = await world.runAction(unit, "upgrade-zookeeper", params);
      expect(action.status).toBe("failed");
      return action.message;
    };
    expect(await refused("zookeeper/1", { version: NEWER })).toMatch(/must run on the leader/);
    expect(await refused("zookeeper/0", { version: "3.9.4-1" })).toMatch(
      /3\.9\.4-1 is not available from this machine's apt sources/,
    );
    for (const name of PACKAGES) world.machine("zookeeper/0").published.set(name, ["3.8.4-1"]);
    expect(await refused("zookeeper/0", { version: "3.8.4-1" })).toMatch(/3\.9 cannot go back to 3\.8/);
    expect(await refused("zookeeper/0", { version: "" })).toMatch(/version is required/);
    for (const unit of world.unitNames)
      expect(world.machine(unit).packageVersion("zookeeper")).toBe(INSTALLED);
  });

  it("a unit added during the roll installs the target version before its server first starts", async () => {
    const world = await deployed(3);
    await world.runAction("zookeeper/0", "upgrade-zookeeper", { version: NEWER });
    const newcomer = world.addUnit();
    publish(world, newcomer);
    await world.install(newcomer);
    await world.joinAll();
    await world.settle();
    expect(world.machine(newcomer).serviceLog.filter((op) => op === "stop")).toEqual([]);
    for (const unit of world.unitNames) {
      expect(world.machine(unit).packageVersion("zookeeper"), unit).toBe(NEWER);
      expect(world.status(unit), unit).toMatchObject({ status: "active" });
    }
    expect(world.membership().split(" ")).toHaveLength(4);
  });
});

describe("a refresh to a revision that no longer runs the installed version", () => {
  it("moves the ensemble to the newest version this revision runs on the base, one unit at a time", async () => {
    const world = await deployedOnUbuntuWith38(["3.8.4-1", "3.9.1-1", "3.9.2-1"]);
    const zkLeader = (await world.zookeeperLeader())!;
    const mark = world.journal.length;
    for (const unit of world.unitNames) {
      await world.expectOk(world.run(unit, "upgrade-charm"));
      await world.expectOk(world.run(unit, "config-changed"));
    }
    await world.settle();
    for (const unit of world.unitNames) {
      expect(world.machine(unit).packageVersion("zookeeper"), unit).toBe("3.9.2-1");
      expect(world.status(unit), unit).toMatchObject({ status: "active" });
    }
    expect(Object.values(await versions(world))).toEqual(["3.9.2", "3.9.2", "3.9.2"]);
    expect(serviceOps(world, mark).at(-1)).toBe(`${zkLeader} start`);
  });
});

describe("when apt cannot give a unit the ensemble's version", () => {
  it("a new unit whose target left the archive is blocked saying what apt offers; the operator moves the target and it starts", async () => {
    const world = await deployed(3);
    await world.runAction("zookeeper/0", "upgrade-zookeeper", { version: NEWER });
    await world.settle();
    const newcomer = world.addUnit();
    // Its archive moved on: NEWER is gone, BROKEN is not wanted, a fixed build is there.
    const machine = world.machine(newcomer);
    for (const name of PACKAGES) machine.published.set(name, [INSTALLED, "3.9.3-4"]);
    await world.install(newcomer);
    await world.joinAll();
    await world.settle();
    expect(world.status(newcomer)).toMatchObject({
      status: "blocked",
      message: expect.stringContaining(
        `cannot install ZooKeeper ${NEWER}: apt offers 3.9.3-4, ${INSTALLED} here`,
      ),
    });
    expect(machine.listRefreshes).toBeGreaterThan(0);
    expect(world.appStatus()).toMatchObject({
      status: "blocked",
      message: expect.stringContaining(newcomer),
    });
    for (const unit of world.unitNames) if (unit !== newcomer) publishVersion(world, unit, "3.9.3-4");
    const moved = await world.runAction("zookeeper/0", "upgrade-zookeeper", { version: "3.9.3-4" });
    expect(moved.status, moved.message).toBe("completed");
    await world.settle();
    for (const unit of world.unitNames) {
      expect(world.machine(unit).packageVersion("zookeeper"), unit).toBe("3.9.3-4");
      expect(world.status(unit), unit).toMatchObject({ status: "active" });
    }
    expect(world.membership().split(" ")).toHaveLength(4);
  });

  it("a failed install is not retried on every hook (each would stop the server): the unit waits for another version", async () => {
    const world = await deployed(3);
    for (const unit of world.unitNames) world.machine(unit).failingInstalls.add(NEWER);
    await world.runAction("zookeeper/0", "upgrade-zookeeper", { version: NEWER });
    await world.settle();
    const failed = world.unitNames.filter((unit) => world.status(unit).status === "blocked");
    expect(failed).toHaveLength(1);
    const stops = () => world.machine(failed[0]!).serviceLog.filter((op) => op === "stop").length;
    const before = stops();
    for (let round = 0; round < 3; round++) await world.expectOk(world.run(failed[0]!, "update-status"));
    expect(stops()).toBe(before);
    expect(world.status(failed[0]!).message).toMatch(/install failed before; choose another version/);
  });
});

/** Three units on Ubuntu 24.04 (where this revision runs 3.9) that came with 3.8.4-1; apt offers `offered`. */
async function deployedOnUbuntuWith38(offered: string[]): Promise<CharmWorld> {
  const world = new CharmWorld(3);
  for (const unit of world.unitNames) {
    const machine = world.machine(unit);
    machine.write(
      { path: "/etc/os-release", mode: 0o644, owner: "root", group: "root" },
      'ID=ubuntu\nVERSION_ID="24.04"\n',
    );
    for (const name of PACKAGES) {
      machine.packages.set(name, "3.8.4-1");
      machine.published.set(name, offered);
    }
  }
  for (const unit of world.unitNames) await world.install(unit);
  await world.joinAll();
  await world.settle();
  return world;
}

function publishVersion(world: CharmWorld, unit: string, version: string): void {
  for (const name of PACKAGES) world.machine(unit).published.get(name)?.push(version);
}

describe("a ZooKeeper version this revision does not run on the base", () => {
  it("with no supported version in apt, the application says so on every leader hook; the servers keep running", async () => {
    const world = await deployedOnUbuntuWith38(["3.8.4-1"]);
    for (const unit of world.unitNames) await world.expectOk(world.run(unit, "upgrade-charm"));
    await world.settle();
    expect(world.appStatus()).toMatchObject({
      status: "blocked",
      message:
        "this charm revision runs ZooKeeper 3.9 on ubuntu@24.04, not 3.8.4-1: run upgrade-zookeeper with a supported version",
    });
    for (const unit of world.unitNames) expect(world.status(unit), unit).toMatchObject({ status: "active" });
    expect(world.membership().split(" ")).toHaveLength(3);
  });
});
