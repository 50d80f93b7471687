/**
 * The emulator's opt-in measurement features, used by the benchmarks (bench/): hook-run records
 * with the hook tools each hook called and, with measureHooks, the dispatch process's own wall time,
 * CPU time and peak RSS; runHookNow, which fires one real hook on a unit with its proper environment
 * ahead of the agent's own queue without changing what the agent has seen; and measureCommand.
 * No timings are asserted: only that the measurements exist and describe the right process.
 */
import { cpus } from "node:os";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Controller } from "./controller";
import { type Harness, isRunning, PROBE, probeEvents, startModel, until } from "./emulator-harness";
import { type HookRunRecord, hookToolCalls } from "./hook-meter";

let harness: Harness;
let c: Controller;
const seen: HookRunRecord[] = [];

beforeAll(async () => {
  harness = await startModel({ measureHooks: true, onHookRun: (record) => seen.push(record) });
  c = harness.controller;
  // No update-status of its own: every update-status below is one this test asked for.
  c.setModelConfig({ "update-status-hook-interval": "0s" });
  await c.deploy(PROBE, "probe", { numUnits: 2 });
  harness.trackMachines();
  await c.waitFor({ timeoutMs: 60_000 });
});

afterAll(async () => {
  await harness?.teardown();
});

describe("hook-run records with measureHooks", () => {
  it("records every hook the agents ran, with the dispatch process's usage", () => {
    expect(c.hookRuns).toEqual(seen);
    const installs = c.hookRuns.filter((record) => record.hook === "install");
    expect(installs.map((record) => record.unit).sort()).toEqual(["probe/0", "probe/1"]);
    const hooksRun = c.hooksRun();
    for (const unit of ["probe/0", "probe/1"]) {
      expect(c.hookRuns.filter((record) => record.unit === unit && record.code === 0)).toHaveLength(
        hooksRun[unit]!,
      );
    }
    for (const record of c.hookRuns) {
      expect(record.forced).toBe(false);
      expect(record.usage).toBeDefined();
      expect(record.usage!.maxRssKb).toBeGreaterThan(0);
      expect(record.endedAt).toBeGreaterThanOrEqual(record.startedAt);
      // CPU time cannot exceed wall time on every core (plus clock granularity).
      expect(record.usage!.userMs + record.usage!.sysMs).toBeLessThanOrEqual(
        (record.endedAt - record.startedAt) * cpus().length + 10,
      );
    }
    // A bash dispatch and its tool processes do use the CPU.
    const cpu = c.hookRuns.reduce((sum, record) => sum + record.usage!.userMs + record.usage!.sysMs, 0);
    expect(cpu).toBeGreaterThan(0);
  });

  it("lists the hook tools a hook called, in order", () => {
    // The probe's install: juju-log, then `config-get script-hook` and `config-get fail-hook`.
    const install = c.hookRuns.find((record) => record.hook === "install")!;
    expect(install.toolCalls).toEqual(["juju-log", "config-get", "config-get"]);
    expect(hookToolCalls(install)).toBe(3);
  });
});

describe("runHookNow", () => {
  it("runs update-status now, as the only hook, with its tool calls and usage", async () => {
    const before = c.hooksRun()["probe/1"]!;
    const record = await c.runHookNow("probe/1", "update-status");
    expect(record).toMatchObject({ unit: "probe/1", hook: "update-status", forced: true, code: 0 });
    expect(record.toolCalls).toEqual(["juju-log", "status-set", "config-get", "config-get"]);
    expect(record.usage?.maxRssKb).toBeGreaterThan(0);
    expect(c.hooksRun()["probe/1"]).toBe(before + 1);
    await c.waitFor({ timeoutMs: 30_000 });
    expect(c.hooksRun()["probe/1"]).toBe(before + 1);
  });

  it("gives a relation hook its relation and remote unit, and leaves the agent's state alone", async () => {
    const from = c.model.logs.length;
    const record = await c.runHookNow("probe/0", "peers-relation-changed", { remoteUnit: "probe/1" });
    expect(record.remoteUnit).toBe("probe/1");
    const events = probeEvents(c.model.logs.slice(from), "probe/0");
    expect(events).toEqual([
      expect.objectContaining({ event: "peers-relation-changed", remote: "probe/1", app: "probe" }),
    ]);
    expect(events[0]!.relation).toMatch(/^peers:\d+$/);
    // Nothing was owed before, and nothing is owed after: no second relation-changed follows.
    await c.waitFor({ timeoutMs: 30_000 });
    expect(probeEvents(c.model.logs.slice(from))).toHaveLength(1);
  });

  it("runs config-changed with no change, and leader-elected on the leader only", async () => {
    const leader = c.leader("probe")!;
    const other = leader === "probe/0" ? "probe/1" : "probe/0";
    expect((await c.runHookNow(other, "config-changed")).code).toBe(0);
    expect((await c.runHookNow(leader, "leader-elected")).hook).toBe("leader-elected");
    expect(() => c.runHookNow(other, "leader-elected")).toThrow(/not the leader/);
    expect(() => c.runHookNow(leader, "data-storage-attached")).toThrow(/does not run/);
    expect(() => c.runHookNow(leader, "peers-relation-joined")).toThrow(/needs a remote unit/);
    expect(() => c.runHookNow(leader, "nothing-relation-changed")).toThrow(/no live relation/);
    await c.waitFor({ timeoutMs: 30_000 });
  });

  it("queues ahead of the hooks the agent owes", async () => {
    const from = c.hookRuns.length;
    // The first starts at once; the config change then waits for the agent, and so does the
    // second forced hook, which goes first when the agent is free.
    const first = c.runHookNow("probe/0", "update-status");
    c.setConfig("probe", { value: "changed" });
    const second = c.runHookNow("probe/0", "leader-settings-changed");
    await Promise.all([first, second]);
    await c.waitFor({ timeoutMs: 30_000 });
    const probe0 = c.hookRuns.slice(from).filter((record) => record.unit === "probe/0");
    // (then peers-relation-changed: probe/1's config-changed wrote its peer data)
    expect(probe0.map((record) => record.hook).slice(0, 3)).toEqual([
      "update-status",
      "leader-settings-changed",
      "config-changed",
    ]);
  });
});

describe("measureCommand", () => {
  it("runs a command in the unit's machine under the meter", async () => {
    const run = await c.measureCommand("probe/0", ["sh", "-c", "exit 3"]);
    expect(run.code).toBe(3);
    expect(run.usage?.maxRssKb).toBeGreaterThan(0);
  });
});

describe("without measureHooks", () => {
  it("keeps no records, but runHookNow still reports the hook's tool calls", async () => {
    const plain = await startModel();
    try {
      plain.controller.setModelConfig({ "update-status-hook-interval": "0s" });
      await plain.controller.deploy(PROBE, "probe", { numUnits: 1 });
      plain.trackMachines();
      await plain.controller.waitFor({ timeoutMs: 60_000 });
      const record = await plain.controller.runHookNow("probe/0", "update-status");
      expect(record.toolCalls).toEqual(["juju-log", "status-set", "config-get", "config-get"]);
      expect(record.usage).toBeUndefined();
      expect(plain.controller.hookRuns).toEqual([]);
      await expect(plain.controller.measureCommand("probe/0", ["true"])).rejects.toThrow(/measureHooks/);
    } finally {
      // Not plain.teardown(): its no-leftover check would count the other model's machines too.
      plain.trackMachines();
      await plain.controller.destroy();
      plain.controller.removeModelDir();
      await until(() => [...plain.holders].every((pid) => !isRunning(pid)), 5_000, "machine holders to exit");
    }
  });
});
