/**
 * The emulator against juju-contract §5.3 "deploy -n 3", "add-unit" and "remove-unit" (also of the
 * leader), driven through the in-process Controller with the probe charm, whose juju-log lines
 * record every hook with its relation context. One model walks through the whole lifecycle.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Controller } from "./controller";
import { eventNames, type Harness, isRunning, PROBE, probeEvents, startModel } from "./emulator-harness";
import { tabularStatus } from "./status";

let harness: Harness;
let c: Controller;

beforeAll(async () => {
  harness = await startModel();
  c = harness.controller;
});

afterAll(async () => {
  await harness?.teardown();
});

/** Asserts that after `prefix`, a unit's events are joined(M) → changed(M) pairs for exactly `others`. */
function expectJoinedPairs(events: readonly string[], prefixLength: number, others: readonly string[]): void {
  const rest = events.slice(prefixLength);
  expect(rest).toHaveLength(others.length * 2);
  const joined: string[] = [];
  for (let i = 0; i < rest.length; i += 2) {
    const member = /^peers-relation-joined\((.+)\)$/.exec(rest[i]!)?.[1];
    expect(member, `event ${rest[i]} should be a peers-relation-joined`).toBeDefined();
    expect(rest[i + 1]).toBe(`peers-relation-changed(${member})`);
    joined.push(member!);
  }
  expect([...joined].sort()).toEqual([...others].sort());
}

describe("deploy -n 3 (§5.3)", () => {
  it("runs storage-attached, install, relation-created, leadership hook, config-changed, start, then joins", async () => {
    const started = Date.now();
    await c.deploy(PROBE, "probe", { numUnits: 3 });
    harness.trackMachines();
    await c.waitFor({ timeoutMs: 60_000 });
    console.log(
      `deploy -n 3 of the probe charm settled in ${Date.now() - started} ms (incl. waitFor's 300 ms quiet period)`,
    );

    expect(c.leader("probe")).toBe("probe/0");
    const units = ["probe/0", "probe/1", "probe/2"];
    for (const unit of units) {
      const number = unit.split("/")[1];
      const events = eventNames(c.model.logs, unit);
      expect(events.slice(0, 6)).toEqual([
        "cache-storage-attached",
        "install",
        "peers-relation-created",
        unit === "probe/0" ? "leader-elected" : "leader-settings-changed",
        "config-changed",
        "start",
      ]);
      const others = units.filter((other) => other !== unit);
      expectJoinedPairs(events, 6, others);

      const detailed = probeEvents(c.model.logs, unit);
      expect(detailed[0]!.storage).toBe(`cache/${number}`);
      // Peer hooks carry JUJU_RELATION_ID=<endpoint>:<id> and JUJU_REMOTE_APP = own application.
      for (const event of detailed.filter((e) => e.event.startsWith("peers-"))) {
        expect(event.relation).toBe("peers:0");
        expect(event.app).toBe("probe");
      }
      expect(detailed[2]!.remote).toBe("");
      // Sorted within one pass: when both peers were already in scope, joins come in name order.
      const firstJoin = detailed.find((e) => e.event === "peers-relation-joined")!;
      const othersInScope = others.every((other) =>
        probeEvents(c.model.logs, other).some(
          (e) => e.event === "peers-relation-created" && e.index < firstJoin.index,
        ),
      );
      if (othersInScope) {
        const joins = detailed.filter((e) => e.event === "peers-relation-joined").map((e) => e.remote);
        expect(joins).toEqual([...others].sort());
      }
    }
  });

  it("gives each unit its own machine and 127.x.y.z address, seen by the hook tools", async () => {
    const addresses = c.unitsOf("probe").map((unit) => unit.address);
    expect(new Set(addresses).size).toBe(3);
    for (const unit of c.unitsOf("probe")) {
      expect(unit.address).toMatch(/^127\.\d+\.\d+\.\d+$/);
      const result = await c.exec(unit.name, "unit-get private-address; cat /etc/hostname");
      expect(result.code).toBe(0);
      const [address, hostname] = result.stdout.trim().split("\n");
      expect(address).toBe(unit.address);
      expect(hostname).toBe(`juju-${c.model.uuid.slice(0, 6)}-${unit.machine}`);
      // Juju pre-fills the unit's bag with its addresses when it enters scope (§9.4 item 3).
      expect(c.model.relations[0]!.unitBags[unit.name]!.data).toEqual({
        "egress-subnets": `${unit.address}/32`,
        "ingress-address": unit.address,
        "private-address": unit.address,
      });
    }
  });

  it("reports status in Juju's shapes (§8)", async () => {
    const { formattedStatus } = await import("./status");
    const status = formattedStatus(c.model) as {
      applications: Record<string, { units: Record<string, Record<string, unknown>> }>;
    };
    const units = status.applications.probe!.units;
    expect(Object.keys(units)).toEqual(["probe/0", "probe/1", "probe/2"]);
    for (const [name, unit] of Object.entries(units)) {
      expect(unit["workload-status"]).toMatchObject({ current: "active", message: "ready" });
      expect(unit["juju-status"]).toMatchObject({ current: "idle", version: "3.6.4" });
      if (name === "probe/0") expect(unit.leader).toBe(true);
      else expect(unit).not.toHaveProperty("leader");
    }
    const tabular = tabularStatus(c.model);
    expect(tabular).toMatch(/^probe\s+active\s+3\s+probe\s+0\s+no\s+ready$/m);
    expect(tabular).toMatch(/^probe\/0\*\s+active\s+idle\s+0\s+127\.\S+\s+ready$/m);
    expect(tabular).toMatch(/^probe\/1\s+active\s+idle\s+1\s/m);
  });

  it("delivers hook-tool log lines to onLog listeners as they happen", () => {
    const logged = harness.delivered.filter((record) => record.logger.endsWith(".juju-log"));
    expect(logged.length).toBe(probeEvents(c.model.logs).length);
  });
});

describe("add-unit (§5.3)", () => {
  let mark = 0;

  it("runs the new unit's setup, then joins every peer in order; the others join it", async () => {
    mark = c.model.logs.length;
    expect(await c.addUnit("probe")).toEqual(["probe/3"]);
    harness.trackMachines();
    await c.waitFor({ timeoutMs: 60_000 });
    expect(eventNames(c.model.logs, "probe/3", mark)).toEqual([
      "cache-storage-attached",
      "install",
      "peers-relation-created",
      "leader-settings-changed",
      "config-changed",
      "start",
      "peers-relation-joined(probe/0)",
      "peers-relation-changed(probe/0)",
      "peers-relation-joined(probe/1)",
      "peers-relation-changed(probe/1)",
      "peers-relation-joined(probe/2)",
      "peers-relation-changed(probe/2)",
    ]);
    for (const unit of ["probe/0", "probe/1", "probe/2"]) {
      expect(eventNames(c.model.logs, unit, mark)).toEqual([
        "peers-relation-joined(probe/3)",
        "peers-relation-changed(probe/3)",
      ]);
    }
  });
});

describe("remove-unit (§5.3)", () => {
  it("tears down a non-leader: storage-detaching first (Juju's storage resolver), departed (departing = itself), stop, remove", async () => {
    const mark = c.model.logs.length;
    const holder = c.machine("probe/2").holderPid;
    const machineId = c.unit("probe/2").machine;
    // Something the charm left running in the background dies with the machine.
    const background = await c.exec("probe/2", "sleep 300 >/dev/null 2>&1 </dev/null & echo $!");
    const stray = Number(background.stdout.trim());
    expect(isRunning(stray)).toBe(true);
    c.removeUnit("probe/2");
    await c.waitFor({ timeoutMs: 60_000 });

    const leaving = probeEvents(c.model.logs, "probe/2").filter((e) => e.index >= mark);
    expect(leaving.map((e) => (e.remote ? `${e.event}(${e.remote})` : e.event))).toEqual([
      "cache-storage-detaching",
      "peers-relation-departed(probe/0)",
      "peers-relation-departed(probe/1)",
      "peers-relation-departed(probe/3)",
      "stop",
      "remove",
    ]);
    for (const event of leaving.slice(1, 4)) expect(event.departing).toBe("probe/2");
    expect(leaving[0]!.storage).toBe("cache/2");

    for (const unit of ["probe/0", "probe/1", "probe/3"]) {
      const events = probeEvents(c.model.logs, unit).filter((e) => e.index >= mark);
      expect(events.map((e) => `${e.event}(${e.remote})`)).toEqual(["peers-relation-departed(probe/2)"]);
      expect(events[0]!.departing).toBe("probe/2");
    }
    expect(c.model.units["probe/2"]).toBeUndefined();
    expect(c.model.machines[machineId]).toBeUndefined();
    expect(isRunning(holder)).toBe(false);
    expect(isRunning(stray)).toBe(false);
    expect(c.model.relations[0]!.scope.sort()).toEqual(["probe/0", "probe/1", "probe/3"]);
    expect(c.leader("probe")).toBe("probe/0");
  });

  it("removes the leader; after the lease expires a survivor runs leader-elected, the other leader-settings-changed", async () => {
    const mark = c.model.logs.length;
    c.removeUnit("probe/0");
    await c.waitFor({ timeoutMs: 60_000 });

    expect(eventNames(c.model.logs, "probe/0", mark)).toEqual([
      "cache-storage-detaching",
      "peers-relation-departed(probe/1)",
      "peers-relation-departed(probe/3)",
      "stop",
      "remove",
    ]);
    const leader = c.leader("probe");
    expect(["probe/1", "probe/3"]).toContain(leader);
    const follower = leader === "probe/1" ? "probe/3" : "probe/1";
    expect(eventNames(c.model.logs, leader!, mark).sort()).toEqual(
      ["leader-elected", "peers-relation-departed(probe/0)"].sort(),
    );
    expect(eventNames(c.model.logs, follower, mark).sort()).toEqual(
      ["leader-settings-changed", "peers-relation-departed(probe/0)"].sort(),
    );
    // The new leader is chosen only once the old one's lease (300 ms here) has run out.
    const removed = probeEvents(c.model.logs, "probe/0").find(
      (e) => e.index >= mark && e.event === "remove",
    )!;
    const elected = probeEvents(c.model.logs, leader).find(
      (e) => e.index >= mark && e.event === "leader-elected",
    )!;
    expect(elected.time - removed.time).toBeGreaterThanOrEqual(300);

    const status = (await import("./status")).formattedStatus(c.model) as {
      applications: Record<string, { units: Record<string, Record<string, unknown>> }>;
    };
    expect(status.applications.probe!.units[leader!]!.leader).toBe(true);
    expect(status.applications.probe!.units[follower]).not.toHaveProperty("leader");
  });
});
