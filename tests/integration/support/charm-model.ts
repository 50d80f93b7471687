/**
 * Integration-test helpers: a model on the Juju emulator running the packed zookeeper charm with real
 * ZooKeeper servers, and assertions that read ZooKeeper's OWN view (srvr modes, /zookeeper/config,
 * the leader's synced counts, znode data), not just Juju statuses.
 */
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach } from "vitest";
import {
  checkEnsembleHealth,
  type EnsembleConfig,
  probeSrvr,
  type SrvrReport,
  ZooKeeperManager,
} from "../../../lib/zookeeper";
import { Controller, type ControllerOptions } from "../../sim/controller";

export const CHARM = "build/zookeeper_ubuntu-24.04-amd64.charm";
export const APP = "zookeeper";

/** Packs the charm once per test run (the .charm is what users deploy). */
export function packedCharm(): string {
  const sources = ["src", "lib", "hooks"].flatMap((dir) =>
    execFileSync("find", [dir, "-type", "f", "-newer", CHARM], { encoding: "utf8" })
      .trim()
      .split("\n")
      .filter(Boolean),
  );
  if (!existsSync(CHARM) || sources.length > 0 || statSync(CHARM).size === 0) {
    execFileSync(process.execPath, ["scripts/pack.mjs"], { stdio: "pipe" });
  }
  return CHARM;
}

/**
 * Planned operations (deploy, scaling, config, relations, rotations) must converge through the hooks
 * they cause, so their models never see update-status (60m, Juju's maximum); fault scenarios may
 * lean on it at Juju's minimum, "1m".
 */
export async function newModel(
  updateStatusInterval: "60m" | "1m" = "60m",
  options: Pick<ControllerOptions, "dualStack" | "machineImage" | "networkPerMachine"> = {},
): Promise<Controller> {
  const controller = await Controller.create({
    ...options,
    modelDir: mkdtempSync(join(tmpdir(), "zk-model-")),
    leaseExpiryMs: 2_000,
    retryBaseMs: 1_000,
    retryMaxMs: 10_000,
  });
  controller.setModelConfig({ "update-status-hook-interval": updateStatusInterval });
  return controller;
}

/**
 * Writes the model's debug-log to `$TMPDIR/<tag>-<time>.log` and says where: the evidence of a
 * race that a repeat may not reproduce. Call it when a test failed (or RACE_LOG is set).
 */
export function saveDebugLog(controller: Controller, tag: string): string {
  const file = join(tmpdir(), `${tag}-${Date.now()}.log`);
  const lines = controller.model.logs.map((r) => `${r.time} ${r.unit} ${r.level} ${r.logger} ${r.message}`);
  writeFileSync(file, `${lines.join("\n")}\n`);
  console.log(`${tag}: debug-log of the model in ${file}`);
  return file;
}

/**
 * For a test file that shares one model: once the file is done, saves the model's debug-log if a test
 * failed (or SAVE_DEBUG_LOG is set), then destroys the model.
 */
export function destroyModelAfterAll(tag: string, model: () => Controller | undefined): void {
  let failed = false;
  afterEach((context) => {
    if (context.task.result?.state === "fail") failed = true;
  });
  afterAll(async () => {
    const controller = model();
    if ((failed || process.env.SAVE_DEBUG_LOG) && controller) saveDebugLog(controller, tag);
    await destroyModel(controller);
  });
}

export async function destroyModel(controller: Controller | undefined): Promise<void> {
  if (!controller) return;
  await controller.destroy();
  controller.removeModelDir();
}

export async function deployZookeeper(controller: Controller, units: number): Promise<void> {
  await controller.deploy(packedCharm(), APP, { numUnits: units, config: { "heap-size-mb": "192" } });
  await controller.waitFor({ timeoutMs: 240_000 });
}

export function liveUnits(controller: Controller): { name: string; address: string; id: number }[] {
  return controller
    .unitsOf(APP)
    .filter((unit) => unit.life === "alive")
    .map((unit) => ({ name: unit.name, address: unit.address, id: unit.number + 1 }));
}

export function superPassword(controller: Controller): string {
  const secret = Object.values(controller.model.secrets).find(
    (candidate) => candidate.label === `cluster.${APP}.app`,
  );
  const password = secret?.revisions.at(-1)?.content["super-password"];
  if (!password) throw new Error("no super password in the model's secrets");
  return password;
}

export async function adminSession(controller: Controller, hosts?: string[]): Promise<ZooKeeperManager> {
  return ZooKeeperManager.connect({
    hosts: hosts ?? liveUnits(controller).map((unit) => `${unit.address}:2181`),
    auth: { username: "super", password: superPassword(controller) },
    connectTimeoutMs: 15_000,
    requestTimeoutMs: 15_000,
  });
}

export interface EnsembleView {
  readonly config: EnsembleConfig;
  readonly modes: Record<string, SrvrReport["mode"]>;
}

/**
 * Asserts ZooKeeper's own view, and that every unit says it is active: see expectWholeEnsemble.
 */
export async function expectHealthyEnsemble(controller: Controller): Promise<EnsembleView> {
  const view = await expectWholeEnsemble(controller);
  for (const unit of controller.unitsOf(APP)) {
    if (unit.workloadStatus.status !== "active") {
      throw new Error(`${unit.name} is ${unit.workloadStatus.status}: ${unit.workloadStatus.message}`);
    }
  }
  return view;
}

/**
 * Asserts ZooKeeper's own view: /zookeeper/config lists exactly the live units (id, address, as
 * participants); srvr shows exactly one leader and every other member a follower; the leader counts
 * every voter synced.
 */
export async function expectWholeEnsemble(controller: Controller): Promise<EnsembleView> {
  const units = liveUnits(controller);
  const zk = await adminSession(controller);
  let config: EnsembleConfig;
  try {
    config = await zk.getConfig({ sync: true });
  } finally {
    await zk.close();
  }
  const expected = units.map((unit) => `${unit.id}=${unit.address}:participant`).sort();
  const actual = config.servers.map((server) => `${server.id}=${server.address}:${server.role}`).sort();
  if (JSON.stringify(actual) !== JSON.stringify(expected)) {
    throw new Error(`/zookeeper/config lists ${actual.join(", ")}; expected ${expected.join(", ")}`);
  }
  const modes: Record<string, SrvrReport["mode"]> = {};
  for (const unit of units) {
    const srvr = await probeSrvr(`${unit.address}:2181`, { timeoutMs: 3_000 });
    if (!srvr.serving) throw new Error(`${unit.name} is not serving`);
    modes[unit.name] = srvr.mode;
  }
  const leaders = Object.values(modes).filter((mode) => mode === "leader").length;
  const followers = Object.values(modes).filter((mode) => mode === "follower").length;
  if (leaders !== 1 || followers !== units.length - 1) {
    throw new Error(
      `srvr modes ${JSON.stringify(modes)}: expected one leader and ${units.length - 1} followers`,
    );
  }
  const health = await checkEnsembleHealth(config, { timeoutMs: 3_000 });
  if (!health.votersSynced) throw new Error(`voters not synced: ${health.reasons.join("; ")}`);
  return { config, modes };
}

/** Writes `count` znodes under `/itest/<tag>` (world-readable, as a client would). */
export async function writeZnodes(controller: Controller, tag: string, count: number): Promise<string[]> {
  const zk = await adminSession(controller);
  const paths: string[] = [];
  try {
    await zk.ensurePath(`/itest/${tag}`);
    for (let i = 0; i < count; i += 1) {
      const path = `/itest/${tag}/n${i}`;
      await zk.create(path, `value-${i}`);
      paths.push(path);
    }
  } finally {
    await zk.close();
  }
  return paths;
}

/** Every member, asked directly (a session pinned to it, after a sync), holds every znode. */
export async function expectZnodesOnEveryMember(
  controller: Controller,
  paths: readonly string[],
): Promise<void> {
  for (const unit of liveUnits(controller)) {
    const zk = await adminSession(controller, [`${unit.address}:2181`]);
    try {
      await zk.sync("/");
      for (const path of paths) {
        const node = await zk.getData(path);
        const expected = `value-${path.slice(path.lastIndexOf("/n") + 2)}`;
        if (node.data.toString() !== expected)
          throw new Error(`${unit.name}: ${path} holds ${node.data.toString()}`);
      }
    } finally {
      await zk.close();
    }
  }
}

/** The unit whose server is the ZooKeeper leader. */
export async function zookeeperLeader(controller: Controller): Promise<string> {
  for (const unit of liveUnits(controller)) {
    const srvr = await probeSrvr(`${unit.address}:2181`, { timeoutMs: 3_000 }).catch(() => undefined);
    if (srvr?.mode === "leader") return unit.name;
  }
  throw new Error("no ZooKeeper leader");
}

/** PID of a unit's ZooKeeper JVM (its systemd service's main process). */
export function serverPid(controller: Controller, unit: string): number {
  const pid = controller.serviceManager(unit).mainPid("zookeeper");
  if (!pid) throw new Error(`${unit} has no running zookeeper service`);
  return pid;
}

/** Polls until `check` stops throwing (ZooKeeper's view converges after Juju settles). */
export async function eventually(check: () => Promise<unknown>, timeoutMs = 120_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      await check();
      return;
    } catch (error) {
      last = error;
      await new Promise((resolve) => setTimeout(resolve, 1_000));
    }
  }
  throw last;
}
