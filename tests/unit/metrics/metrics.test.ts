import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parseMntr } from "../../../lib/zookeeper";
import { type MetricFamily, renderExposition } from "../../../src/metrics/exposition";
import { jvmFamilies } from "../../../src/metrics/jvm-metrics";
import { PerfDataError, parsePerfData } from "../../../src/metrics/jvm-perfdata";
import { zookeeperFamilies } from "../../../src/metrics/zookeeper-metrics";

const fixture = (name: string) => readFileSync(join(__dirname, name));
const mntr = (name: string) =>
  parseMntr(readFileSync(join(__dirname, "../zookeeper/fixtures", name), "utf8")).values;

/**
 * Prometheus's own parser and linter over the text (Debian's prometheus package, installed by
 * setup.sh). A parse error exits 1; lint findings exit 3 and are only the naming conventions
 * ZooKeeper's provider itself breaks (counters without `_total`, `_count` gauges, `_ms` units).
 */
function expectValidExposition(text: string): void {
  const result = spawnSync("promtool", ["check", "metrics"], { input: text, encoding: "utf8" });
  const output = `${result.stdout}${result.stderr}`;
  expect([0, 3], output).toContain(result.status);
  const conventions =
    /should have "_total" suffix|should not have "_count" suffix|should not contain abbreviated units|should have "_seconds" suffix|should not contain "total"|use base unit/;
  for (const line of output.trim().split("\n").filter(Boolean)) expect(line).toMatch(conventions);
}

function family(families: readonly MetricFamily[], name: string): MetricFamily {
  const found = families.find((candidate) => candidate.name === name);
  if (!found) throw new Error(`no family ${name}`);
  return found;
}

describe("ZooKeeper's metrics from mntr, named as PrometheusMetricsProvider names them", () => {
  const families = zookeeperFamilies(mntr("mntr-leader-3-voters.txt"));
  const text = renderExposition(families);

  it("drops the zk_ prefix and keeps gauges and counters as the provider types them", () => {
    expect(family(families, "znode_count")).toMatchObject({
      type: "gauge",
      samples: [{ name: "znode_count" }],
    });
    expect(family(families, "commit_count").type).toBe("counter");
    expect(text).toMatch(/^avg_latency [\d.]+$/m);
    expect(text).toMatch(/^quorum_size 3$/m);
    expect(text).not.toMatch(/^zk_/m);
  });

  it("turns summaries into _count and _sum, with quantiles only where ZooKeeper keeps them", () => {
    expect(family(families, "fsynctime")).toEqual({
      name: "fsynctime",
      type: "summary",
      help: "fsynctime",
      samples: [
        { name: "fsynctime_count", value: 3 },
        { name: "fsynctime_sum", value: 2 },
      ],
    });
    const ack = family(families, "quorum_ack_latency").samples;
    expect(ack).toContainEqual({ name: "quorum_ack_latency", labels: { quantile: "0.5" }, value: 5 });
    expect(ack).toContainEqual({ name: "quorum_ack_latency", labels: { quantile: "0.99" }, value: 5 });
    expect(ack.some((sample) => sample.labels?.quantile === "0.95")).toBe(false);
    expect(text).not.toMatch(/^(cnt|sum|p50|p95|p99|p999)_|^(avg|min|max)_fsynctime/m);
    // Gauges that only look like summary parts.
    expect(family(families, "avg_latency").type).toBe("gauge");
  });

  it("labels the members of a set with key, even when the key has underscores", () => {
    const set = zookeeperFamilies({
      zk_avg_my_app_write_per_namespace: 4,
      zk_cnt_my_app_write_per_namespace: 2,
      zk_sum_my_app_write_per_namespace: 8,
      zk_cnt_2_ack_latency: 5,
      zk_p50_2_ack_latency: 1,
      zk_app_quota_exceeded_error_per_namespace: 1,
      zk_app_quota_count_limit_per_namespace: 100,
    });
    expect(family(set, "write_per_namespace").samples).toEqual([
      { name: "write_per_namespace_count", labels: { key: "my_app" }, value: 2 },
      { name: "write_per_namespace_sum", labels: { key: "my_app" }, value: 8 },
    ]);
    expect(family(set, "ack_latency").samples).toContainEqual({
      name: "ack_latency",
      labels: { key: "2", quantile: "0.5" },
      value: 1,
    });
    expect(family(set, "quota_exceeded_error_per_namespace")).toMatchObject({
      type: "counter",
      samples: [{ labels: { key: "app" }, value: 1 }],
    });
    expect(family(set, "quota_count_limit_per_namespace").type).toBe("gauge");
  });

  it("parse in Prometheus (promtool) for a leader, a follower and a leader with an observer", () => {
    for (const name of ["mntr-leader-3-voters.txt", "mntr-follower.txt", "mntr-leader-with-observer.txt"]) {
      expectValidExposition(renderExposition(zookeeperFamilies(mntr(name))));
    }
  });
});

describe("JVM metrics from HotSpot's performance counters", () => {
  const counters = parsePerfData(fixture("fixtures/hsperfdata-g1-jdk17.bin"));

  it("reads a JDK 17 file written by a G1 JVM with -Xmx256m", () => {
    expect(counters.get("sun.gc.policy.name")).toBe("GarbageFirst");
    expect(counters.get("java.threads.live")).toBe(6);
    expect(counters.get("sun.gc.generation.1.space.0.used")).toBe(21_936_920);
  });

  it("names pools and collectors as the JVM's management beans do", () => {
    const families = jvmFamilies(counters, {
      cpuSeconds: 1.5,
      startTimeSeconds: 1_700_000_000,
      residentBytes: 50e6,
      virtualBytes: 3e9,
      openFds: 40,
      maxFds: 65536,
    });
    const text = renderExposition(families);
    expect(text).toContain('jvm_memory_pool_bytes_used{pool="G1 Old Gen"} 21936920');
    expect(text).toContain('jvm_memory_pool_bytes_used{pool="G1 Eden Space"} 0');
    expect(text).toContain('jvm_memory_bytes_used{area="heap"} 21936920');
    // -Xmx256m, as G1's old generation may grow to the whole heap (+8 bytes of counter slack).
    expect(text).toMatch(/^jvm_memory_bytes_max\{area="heap"\} 26843546\d$/m);
    expect(text).toContain('jvm_gc_collection_seconds_count{gc="G1 Young Generation"} 1');
    expect(text).toContain('jvm_gc_collection_seconds_count{gc="G1 Old Generation"} 1');
    expect(text).toMatch(/^jvm_gc_collection_seconds_sum\{gc="G1 Young Generation"\} 0\.008\d+$/m);
    expect(text).toContain("jvm_threads_current 6");
    expect(text).toContain("process_open_fds 40");
    expect(text).toMatch(/^jvm_info\{runtime="[^"]*",vendor="Debian",version="17\.[^"]+"\} 1$/m);
    expectValidExposition(text);
  });

  it("refuses what is not a performance data file", () => {
    expect(() => parsePerfData(Buffer.from("not perf data, not at all, really not"))).toThrow(PerfDataError);
  });
});
