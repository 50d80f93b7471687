/**
 * Charm upgrades (`juju refresh`) on a running ensemble, with a client writing throughout: from the
 * previous landed revision of this charm (built from git history), from an older one whose servers
 * must restart to pick up new server files, and back again (the documented rollback). ZooKeeper's
 * own view afterwards: every unit a voter, every acknowledged write there. Model at update-status 60m.
 */
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, symlinkSync } from "node:fs";
import { join, resolve } from "node:path";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { probeSrvr } from "../../lib/zookeeper";
import type { Controller } from "../sim/controller";
import { addRepositoryTo, buildRepository, installedZooKeeperVersion } from "./support/apt-repo";
import {
  APP,
  destroyModel,
  eventually,
  expectHealthyEnsemble,
  liveUnits,
  newModel,
  packedCharm,
  saveDebugLog,
  serverPid,
  superPassword,
  zookeeperLeader,
} from "./support/charm-model";
import { buildClientCharm, clientCredentials } from "./support/client-charm";
import { expectNoLostWrites, keepWriting } from "./support/writer";

/** The last revision that landed before this one (main at the end of the previous session). */
const PREVIOUS = "385ce9d";
/** A revision whose servers ran other JVM flags (before the election back-off cap, 3c846b8). */
const OLDER = "434e166";

let controller: Controller | undefined;
let failed = false;

afterEach(async (context) => {
  if (context.task.result?.state === "fail") failed = true;
  if (controller && failed) saveDebugLog(controller, "upgrades");
  await destroyModel(controller);
  controller = undefined;
});

/** The charm as packed at `commit` (git archive; this checkout's node_modules), built once. */
function charmAt(commit: string): string {
  const dir = resolve("build", "revisions", commit);
  const charm = join(dir, "build", "zookeeper_ubuntu-24.04-amd64.charm");
  if (existsSync(charm)) return charm;
  try {
    execFileSync("git", ["cat-file", "-e", `${commit}^{commit}`], { stdio: "pipe" });
  } catch {
    throw new Error(
      `this test builds the charm at ${commit} from git history, which this clone lacks (shallow?)`,
    );
  }
  mkdirSync(dir, { recursive: true });
  execFileSync("sh", ["-c", `git archive ${commit} | tar -x -C ${dir}`]);
  if (!existsSync(join(dir, "node_modules"))) symlinkSync(resolve("node_modules"), join(dir, "node_modules"));
  execFileSync(process.execPath, ["scripts/pack.mjs"], { cwd: dir, stdio: "pipe" });
  return charm;
}

/** A client writing as `super` through every unit's server until stopped. */
function writeThroughout(model: Controller, path: string) {
  return keepWriting({
    hosts: liveUnits(model).map((unit) => `${unit.address}:2181`),
    auth: { username: "super", password: superPassword(model) },
    path,
  });
}

/** The longest write gap while the ZooKeeper leader's JVM is killed (systemd restarts it): one election. */
async function electionGapMs(): Promise<number> {
  const writer = await writeThroughout(controller!, "/itest/election");
  await new Promise((resolveWait) => setTimeout(resolveWait, 500));
  process.kill(serverPid(controller!, await zookeeperLeader(controller!)), "SIGKILL");
  await new Promise((resolveWait) => setTimeout(resolveWait, 1_000));
  await eventually(async () => expectHealthyEnsemble(controller!), 120_000);
  return (await writer.stop()).longestGapMs;
}

/** Deploys `charm` with a related client, starts a writer; refreshes to `target`; checks it all. */
async function refreshWithWriter(
  from: string,
  target: string,
): Promise<{ restarts: number; elapsedMs: number; longestGapMs: number; failedWrites: number }> {
  controller = await newModel("60m");
  await controller.deploy(from, APP, { numUnits: 3, config: { "heap-size-mb": "192" } });
  await controller.deploy(buildClientCharm(), "alpha", { config: { database: "/alpha" } });
  controller.integrate("alpha", APP);
  await controller.waitFor({ timeoutMs: 300_000 });
  await expectHealthyEnsemble(controller);
  const credentials = await clientCredentials(controller, "alpha");
  const jvms = new Map(liveUnits(controller).map((unit) => [unit.name, serverPid(controller!, unit.name)]));
  const leaderBefore = await zookeeperLeader(controller);
  const writer = await writeThroughout(controller, "/itest/upgrade");
  const started = Date.now();
  controller.refresh(APP, target);
  await controller.waitFor({ timeoutMs: 300_000 });
  await eventually(async () => expectHealthyEnsemble(controller!), 120_000);
  const elapsedMs = Date.now() - started;
  const result = await writer.stop();
  await expectNoLostWrites(controller, "/itest/upgrade", result);
  // The client keeps its user, password and chroot.
  expect(await clientCredentials(controller, "alpha")).toEqual(credentials);
  // The package is held (by this revision, or since the refresh to it): only the charm upgrades it.
  for (const unit of liveUnits(controller)) {
    expect((await controller.exec(unit.name, "apt-mark showhold")).stdout, unit.name).toBe(
      "libzookeeper-java\nzookeeper\n",
    );
  }
  const restarted = liveUnits(controller).filter(
    (unit) => serverPid(controller!, unit.name) !== jvms.get(unit.name),
  );
  const restarts = restarted.length;
  if (restarts > 0) {
    // One rolling restart: every server once, the ZooKeeper leader's last.
    expect(restarts).toBe(3);
    const log = controller.model.logs.filter((record) => /restarting ZooKeeper/.test(record.message));
    expect(log.at(-1)?.unit).toBe(leaderBefore);
  }
  return { restarts, elapsedMs, longestGapMs: result.longestGapMs, failedWrites: result.failed };
}

describe("pre-upgrade-check", () => {
  it("passes on a settled ensemble, refuses off the leader and while a unit is being added", async () => {
    controller = await newModel("60m");
    await controller.deploy(packedCharm(), APP, { numUnits: 3, config: { "heap-size-mb": "192" } });
    await controller.waitFor({ timeoutMs: 300_000 });
    const leader = controller.leader(APP)!;
    const ready = await controller.runAction(leader, "pre-upgrade-check");
    expect(ready.status, JSON.stringify(ready)).toBe("completed");
    expect(ready.results.result).toMatch(/^ready: 3 units serving and voting/);
    const follower = liveUnits(controller).find((unit) => unit.name !== leader)!.name;
    expect(await controller.runAction(follower, "pre-upgrade-check")).toMatchObject({
      status: "failed",
      message: "Action must be ran on the Juju leader.",
    });
    await controller.addUnit(APP, 1);
    const adding = await controller.runAction(leader, "pre-upgrade-check");
    expect(adding.status).toBe("failed");
    expect(adding.message).toMatch(
      /^Pre-upgrade check failed and cannot safely upgrade: (units are being added or removed|Charm has not finished initialising|Some quorum members are still syncing data)$/,
    );
    await controller.waitFor({ timeoutMs: 300_000 });
    expect((await controller.runAction(leader, "pre-upgrade-check")).results.result).toMatch(
      /^ready: 4 units/,
    );
  });
});

describe("juju refresh", () => {
  it(`from the previous landed revision (${PREVIOUS}): nothing restarts, nothing lost, the client keeps its credentials`, async () => {
    const figures = await refreshWithWriter(charmAt(PREVIOUS), packedCharm());
    expect(figures.restarts).toBe(0);
    // What this revision adds arrived with the refresh: the metrics service on every unit.
    for (const unit of liveUnits(controller!)) {
      const response = await fetch(`http://${unit.address}:7000/metrics`);
      expect(await response.text()).toMatch(/^zookeeper_server_serving 1$/m);
    }
    console.log(`refresh ${PREVIOUS} → current: ${JSON.stringify(figures)}`);
  });

  it(`from ${OLDER}, whose server files differ: one rolling restart, the ZooKeeper leader last, nothing lost`, async () => {
    const figures = await refreshWithWriter(charmAt(OLDER), packedCharm());
    expect(figures.restarts).toBe(3);
    console.log(
      `refresh ${OLDER} → current: ${JSON.stringify(figures)}; one leader election in the same model: ${await electionGapMs()} ms`,
    );
  });

  it("completes a password rotation and a scale-up it interrupts", async () => {
    controller = await newModel("60m");
    await controller.deploy(packedCharm(), APP, { numUnits: 3, config: { "heap-size-mb": "192" } });
    await controller.waitFor({ timeoutMs: 300_000 });
    const writer = await writeThroughout(controller, "/itest/interrupted");
    const rotation = await controller.runAction(`${APP}/leader`, "set-password", { username: "sync" });
    expect(rotation.status).toBe("completed");
    await controller.addUnit(APP, 1);
    // The same charm again is a new revision all the same: upgrade-charm lands mid-rotation and mid-join.
    controller.refresh(APP, packedCharm());
    await controller.waitFor({ timeoutMs: 300_000 });
    await eventually(async () => expectHealthyEnsemble(controller!), 120_000);
    await expectNoLostWrites(controller, "/itest/interrupted", await writer.stop());
    const ready = await controller.runAction(`${APP}/leader`, "pre-upgrade-check");
    expect(ready.status, ready.message).toBe("completed");
    expect(ready.results.result).toMatch(/^ready: 4 units/);
  });

  it(`rolls back: refresh to the previous revision (${PREVIOUS}) again, nothing lost`, async () => {
    const figures = await refreshWithWriter(packedCharm(), charmAt(PREVIOUS));
    expect(figures.restarts).toBe(0);
    console.log(`rollback current → ${PREVIOUS}: ${JSON.stringify(figures)}`);
  });
});

/** Every distinct unit and application status seen while `work` runs (sampled every 100 ms). */
async function statusesDuring<T>(work: () => Promise<T>): Promise<{ result: T; seen: Set<string> }> {
  const seen = new Set<string>();
  const sample = () => {
    for (const unit of controller!.unitsOf(APP)) {
      seen.add(`${unit.name} ${unit.workloadStatus.status}: ${unit.workloadStatus.message}`);
    }
    const app = controller!.model.applications[APP]?.status;
    if (app) seen.add(`${APP} ${app.status}: ${app.message}`);
  };
  const timer = setInterval(sample, 100);
  try {
    return { result: await work(), seen };
  } finally {
    clearInterval(timer);
    sample();
  }
}

/** `dpkg-query` on `unit`'s machine: the installed version of each ZooKeeper package. */
async function installedOn(unit: string): Promise<string> {
  // dpkg-query's own format syntax, not a template string.
  const format = ["'$", "{Version} '"].join("");
  const query = await controller!.exec(unit, `dpkg-query -W -f=${format} zookeeper libzookeeper-java`);
  return query.stdout.trim();
}

describe("upgrade-zookeeper (the package, from a local apt repository the test builds)", () => {
  const repo = resolve("build", "apt-repo");
  const installed = installedZooKeeperVersion();
  let good = "";
  let broken = "";
  beforeAll(() => {
    [good, broken] = buildRepository(repo, [
      { suffix: "+charmtest1" },
      { suffix: "+charmtest2", broken: true },
    ]) as [string, string];
  });

  async function deployWithRepository(): Promise<Controller> {
    controller = await newModel("60m");
    await controller.deploy(packedCharm(), APP, { numUnits: 3, config: { "heap-size-mb": "192" } });
    await controller.waitFor({ timeoutMs: 300_000 });
    for (const unit of liveUnits(controller)) await addRepositoryTo(controller, unit.name, repo);
    return controller;
  }

  it("rolls a newer package through the units one at a time, the ZooKeeper leader last, nothing lost", async () => {
    const model = await deployWithRepository();
    const leaderBefore = await zookeeperLeader(model);
    const jvms = new Map(liveUnits(model).map((unit) => [unit.name, serverPid(model, unit.name)]));
    const writer = await writeThroughout(model, "/itest/package-upgrade");
    const started = Date.now();
    const { seen } = await statusesDuring(async () => {
      const action = await model.runAction(model.leader(APP)!, "upgrade-zookeeper", { version: good });
      expect(action.status, action.message).toBe("completed");
      await model.waitFor({ timeoutMs: 600_000 });
      await eventually(async () => expectHealthyEnsemble(model), 120_000);
    });
    const elapsedMs = Date.now() - started;
    const result = await writer.stop();
    await expectNoLostWrites(model, "/itest/package-upgrade", result);
    for (const unit of liveUnits(model)) {
      expect(await installedOn(unit.name), unit.name).toBe(`${good} ${good}`);
      // The new build's files are in place, and it is held again.
      expect((await model.exec(unit.name, "cat /usr/share/doc/zookeeper/charmtest-1")).stdout).toBe(
        `${good}\n`,
      );
      expect((await model.exec(unit.name, "apt-mark showhold")).stdout).toBe(
        "libzookeeper-java\nzookeeper\n",
      );
      expect(serverPid(model, unit.name), unit.name).not.toBe(jvms.get(unit.name));
    }
    // One unit at a time, in the restart turn, the ZooKeeper leader last.
    const order = model.model.logs
      .filter((record) => /upgrading ZooKeeper in this unit's turn/.test(record.message))
      .map((record) => record.unit);
    expect(new Set(order).size).toBe(3);
    expect(order.at(-1)).toBe(leaderBefore);
    // Each unit said where it stood.
    const said = [...seen].join("\n");
    expect(said).toContain(`maintenance: upgrading ZooKeeper ${installed} → ${good}`);
    expect(said).toContain(`waiting: waiting for its turn to upgrade ZooKeeper to ${good}`);
    console.log(
      `package upgrade ${installed} → ${good}: ${JSON.stringify({ elapsedMs, longestGapMs: result.longestGapMs, failedWrites: result.failed })}; one leader election in the same model: ${await electionGapMs()} ms`,
    );
  }, 900_000);

  it("a broken package stops the roll at its first unit and says so; going back to the installed version resumes", async () => {
    const model = await deployWithRepository();
    const leaderBefore = await zookeeperLeader(model);
    const writer = await writeThroughout(model, "/itest/broken-upgrade");
    const started = Date.now();
    const action = await model.runAction(model.leader(APP)!, "upgrade-zookeeper", { version: broken });
    expect(action.status, action.message).toBe("completed");
    let failed = "";
    await eventually(async () => {
      const unit = model.unitsOf(APP).find((candidate) => candidate.workloadStatus.status === "blocked");
      expect(unit?.workloadStatus.message).toMatch(
        new RegExp(
          `^upgrade to ZooKeeper ${broken.replace(/\+/g, "\\+")} failed its check \\(it does not serve\\)`,
        ),
      );
      failed = unit!.name;
      expect(model.model.applications[APP]?.status).toMatchObject({
        status: "blocked",
        message: `upgrade to ZooKeeper ${broken} stopped at ${failed}: it failed its check`,
      });
    }, 300_000);
    const stoppedMs = Date.now() - started;
    await model.waitFor({ timeoutMs: 300_000 });
    const settledMs = Date.now() - started;
    // The roll stopped there: the others still run the installed build, and serve as a quorum.
    expect(failed).not.toBe(leaderBefore);
    for (const unit of liveUnits(model).filter((candidate) => candidate.name !== failed)) {
      expect(await installedOn(unit.name), unit.name).toBe(`${installed} ${installed}`);
      expect((await probeSrvr(`${unit.address}:2181`, { timeoutMs: 3_000 })).serving, unit.name).toBe(true);
    }
    // pre-upgrade-check refuses (a member does not serve); the way back is upgrade-zookeeper again.
    expect((await model.runAction(model.leader(APP)!, "pre-upgrade-check")).message).toMatch(
      /Not all application units are connected and broadcasting in the quorum/,
    );
    const backAt = Date.now();
    const back = await model.runAction(model.leader(APP)!, "upgrade-zookeeper", { version: installed });
    expect(back.status, back.message).toBe("completed");
    await model.waitFor({ timeoutMs: 600_000 });
    await eventually(async () => expectHealthyEnsemble(model), 120_000);
    const recoveredMs = Date.now() - backAt;
    for (const unit of liveUnits(model))
      expect(await installedOn(unit.name), unit.name).toBe(`${installed} ${installed}`);
    expect(model.model.applications[APP]?.status?.status).toBe("active");
    const result = await writer.stop();
    await expectNoLostWrites(model, "/itest/broken-upgrade", result);
    console.log(
      `broken package and back: ${JSON.stringify({ stoppedMs, settledMs, recoveredMs, longestGapMs: result.longestGapMs, failedWrites: result.failed })}`,
    );
  }, 900_000);
});
