/**
 * Observability on a real ensemble: every unit's metrics service (zookeeper-metrics, started by the
 * charm's own unit file) serves ZooKeeper's and the JVM's metrics on <unit address>:7000/metrics.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Controller } from "../sim/controller";
import {
  deployZookeeper,
  destroyModel,
  liveUnits,
  newModel,
  writeZnodes,
  zookeeperLeader,
} from "./support/charm-model";

let controller: Controller;

beforeAll(async () => {
  controller = await newModel("60m");
  await deployZookeeper(controller, 3);
});
afterAll(async () => {
  await destroyModel(controller);
});

async function scrape(address: string): Promise<string> {
  const response = await fetch(`http://${address}:7000/metrics`);
  expect(response.status).toBe(200);
  expect(response.headers.get("content-type")).toBe("text/plain; version=0.0.4; charset=utf-8");
  return response.text();
}

function value(text: string, series: string): number | undefined {
  const line = text.split("\n").find((candidate) => candidate.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

describe("the metrics endpoint", () => {
  it("serves ZooKeeper's and the JVM's metrics on every unit, under the provider's names", async () => {
    const leader = await zookeeperLeader(controller);
    for (const unit of liveUnits(controller)) {
      const text = await scrape(unit.address);
      expect(value(text, "zookeeper_server_serving"), unit.name).toBe(1);
      expect(value(text, "zookeeper_server_voting_member"), unit.name).toBe(1);
      expect(value(text, "zookeeper_ensemble_voters")).toBe(3);
      expect(value(text, "zookeeper_ensemble_planned_units")).toBe(3);
      expect(value(text, "znode_count")).toBeGreaterThan(0);
      expect(value(text, 'jvm_memory_bytes_used{area="heap"}')).toBeGreaterThan(0);
      expect(value(text, "process_open_fds")).toBeGreaterThan(10);
      expect(value(text, "jvm_threads_current")).toBeGreaterThan(10);
      if (unit.name === leader) expect(value(text, "quorum_size")).toBe(3);
      expect(text).toContain("# TYPE fsynctime summary");
    }
  });

  it("follows writes: znode_count grows on every member", async () => {
    const units = liveUnits(controller);
    const before = await Promise.all(
      units.map(async (unit) => value(await scrape(unit.address), "znode_count") ?? 0),
    );
    await writeZnodes(controller, "metrics", 25);
    const after = await Promise.all(
      units.map(async (unit) => value(await scrape(unit.address), "znode_count") ?? 0),
    );
    for (const [index, count] of after.entries())
      expect(count).toBeGreaterThanOrEqual((before[index] ?? 0) + 25);
  });
});
