/**
 * Observability on a real ensemble. Every unit's metrics service (zookeeper-metrics, started by the
 * charm's own unit file) serves ZooKeeper's and the JVM's metrics on <unit address>:7000/metrics;
 * the charm publishes scrape jobs, alert rules and its dashboard on `cos-agent`; the test collector
 * (tests/charms/cos-collector) decodes them and runs a real Prometheus scraping every unit and
 * evaluating those rules. The model's update-status interval is 60 minutes: what changes here
 * changes by events alone.
 */
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import type { Controller } from "../sim/controller";
import { dashboardQueries, instantiate } from "../support/dashboard-queries";
import {
  APP,
  deployZookeeper,
  destroyModelAfterAll,
  eventually,
  liveUnits,
  newModel,
  serverPid,
  superPassword,
  writeZnodes,
  zookeeperLeader,
} from "./support/charm-model";

const COLLECTOR = "cos-collector";
let controller: Controller;
let prometheus: string;

beforeAll(async () => {
  controller = await newModel("60m");
  await deployZookeeper(controller, 3);
  execFileSync(process.execPath, ["scripts/build.mjs", "--test-charm", COLLECTOR], { stdio: "pipe" });
  await controller.deploy(`build/charms/${COLLECTOR}`, COLLECTOR);
  controller.integrate(`${APP}:cos-agent`, `${COLLECTOR}:cos-agent`);
  await controller.waitFor({ timeoutMs: 300_000 });
  prometheus = `http://${controller.unit(`${COLLECTOR}/0`).address}:9090`;
});
destroyModelAfterAll("observability", () => controller);

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

interface Sample {
  metric: Record<string, string>;
  value: [number, string];
}

async function query(expr: string): Promise<Sample[]> {
  const response = await fetch(`${prometheus}/api/v1/query?query=${encodeURIComponent(expr)}`);
  const body = (await response.json()) as { status: string; data: { result: Sample[] }; error?: string };
  if (body.status !== "success") throw new Error(`${expr}: ${body.error}`);
  return body.data.result;
}

async function firingAlerts(): Promise<{ labels: Record<string, string>; state: string }[]> {
  const response = await fetch(`${prometheus}/api/v1/alerts`);
  return (
    (await response.json()) as { data: { alerts: { labels: Record<string, string>; state: string }[] } }
  ).data.alerts;
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
      if (unit.name === leader) expect(value(text, "synced_followers")).toBe(2);
      expect(text).toContain("# TYPE fsynctime summary");
      // No secret: the super user's password and digest stay in jaas.conf and zoo.cfg.
      expect(text).not.toContain(superPassword(controller));
      expect(text).not.toMatch(/superDigest|password/i);
    }
  });
});

/** RSS (bytes) and CPU time (ms) of a process, from /proc. */
function usage(pid: number): { rss: number; cpuMs: number } {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  const rssKb = Number(/^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, "utf8"))?.[1]);
  return { rss: rssKb * 1024, cpuMs: ((Number(fields[11]) + Number(fields[12])) * 1000) / 100 };
}

describe("what the metrics service costs", () => {
  it("measures its RSS, CPU and time per scrape beside the ZooKeeper JVM's RSS (logged, not asserted)", async () => {
    const unit = liveUnits(controller)[0]!;
    const service = controller.serviceManager(unit.name).mainPid("zookeeper-metrics");
    expect(service).toBeGreaterThan(0);
    const scrapes = 50;
    const before = usage(service!);
    const times: number[] = [];
    let series = 0;
    for (let index = 0; index < scrapes; index++) {
      const started = performance.now();
      const text = await scrape(unit.address);
      times.push(performance.now() - started);
      series = text.split("\n").filter((line) => line !== "" && !line.startsWith("#")).length;
    }
    const after = usage(service!);
    const jvm = usage(serverPid(controller, unit.name));
    times.sort((a, b) => a - b);
    const mb = (bytes: number) => (bytes / 1_048_576).toFixed(1);
    console.log(
      `metrics service on ${unit.name}: RSS ${mb(after.rss)} MB (JVM ${mb(jvm.rss)} MB); ` +
        `CPU ${((after.cpuMs - before.cpuMs) / scrapes).toFixed(1)} ms per scrape; ` +
        `scrape ${times[Math.floor(scrapes / 2)]!.toFixed(1)} ms median (${times[0]!.toFixed(1)}–${times.at(-1)!.toFixed(1)}); ` +
        `${series} series`,
    );
    expect(series).toBeGreaterThan(200);
  });
});

describe("cos-agent and a real Prometheus", () => {
  it("Prometheus scrapes every unit with the jobs the charm published", async () => {
    await eventually(async () => {
      const up = await query(`up{juju_application="${APP}"}`);
      expect(up.map((sample) => sample.metric.juju_unit).sort()).toEqual(
        liveUnits(controller)
          .map((u) => u.name)
          .sort(),
      );
      for (const sample of up) expect(sample.value[1]).toBe("1");
    }, 60_000);
    const units = liveUnits(controller);
    for (const sample of await query("zookeeper_server_serving")) {
      const unit = units.find((candidate) => candidate.name === sample.metric.juju_unit);
      expect(sample.metric.instance).toBe(`${unit?.address}:7000`);
      expect(sample.metric.juju_model).toBeTruthy();
    }
  });

  it("loads the charm's alert rules, named and labelled by the library's rules, none firing", async () => {
    const response = await fetch(`${prometheus}/api/v1/rules`);
    const groups = (
      (await response.json()) as { data: { groups: { name: string; rules: { name: string }[] }[] } }
    ).data.groups;
    const names = groups.map((group) => group.name);
    expect(names.some((name) => /_zookeeper_zookeeper_rules$/.test(name))).toBe(true);
    expect(names.some((name) => /_zookeeper_HostHealth_rules$/.test(name))).toBe(true);
    expect(groups.flatMap((group) => group.rules).length).toBeGreaterThan(20);
    expect((await firingAlerts()).filter((alert) => alert.state === "firing")).toEqual([]);
  });

  it("follows writes: znode_count grows on every member", async () => {
    const before = await query("znode_count");
    await writeZnodes(controller, "metrics", 25);
    await eventually(async () => {
      const after = await query("znode_count");
      expect(after).toHaveLength(3);
      for (const sample of after) {
        const old = before.find((candidate) => candidate.metric.juju_unit === sample.metric.juju_unit);
        expect(Number(sample.value[1])).toBeGreaterThanOrEqual(Number(old?.value[1]) + 25);
      }
    }, 30_000);
  });

  it("every dashboard panel's query returns data from the real scrape", async () => {
    // As the collector decoded it (base64 of xz) on its machine: /var/lib/cos-collector/dashboards.
    const machineDir = controller.machine(`${COLLECTOR}/0`).dir;
    const text = readFileSync(
      join(machineDir, "upper/var/lib/cos-collector/dashboards/zookeeper-0.json"),
      "utf8",
    );
    const queries = dashboardQueries(JSON.parse(text));
    expect(queries.length).toBeGreaterThan(20);
    const model = (await query("up"))[0]?.metric.juju_model ?? "";
    const empty: string[] = [];
    for (const { panel, expr } of queries) {
      if (/TLS/.test(panel)) continue;
      const result = await query(instantiate(expr, { model, application: APP }));
      if (result.length === 0) empty.push(`${panel}: ${expr}`);
    }
    expect(empty).toEqual([]);
  });
});

describe("faults seen within seconds", () => {
  it("a frozen server fires ZooKeeperServerNotServing and its unit says so at once; thawed, both clear", async () => {
    const leader = await zookeeperLeader(controller);
    const victim = liveUnits(controller).find((unit) => unit.name !== leader)!.name;
    const pid = serverPid(controller, victim);
    const frozenAt = Date.now();
    process.kill(pid, "SIGSTOP");
    try {
      // The status, through the metrics service's juju-exec: seconds, not update-status's 60 minutes.
      await eventually(async () => {
        expect(controller.unit(victim).workloadStatus.message).toMatch(/not serving/);
      }, 60_000);
      const statusAfterMs = Date.now() - frozenAt;
      await eventually(async () => {
        const alerts = await firingAlerts();
        expect(
          alerts.some(
            (alert) =>
              alert.labels.alertname === "ZooKeeperServerNotServing" &&
              alert.labels.juju_unit === victim &&
              alert.state === "firing",
          ),
        ).toBe(true);
      }, 150_000);
      console.log(
        `frozen ${victim}: status after ${statusAfterMs} ms, alert after ${Date.now() - frozenAt} ms`,
      );
    } finally {
      process.kill(pid, "SIGCONT");
    }
    const thawedAt = Date.now();
    await eventually(async () => {
      expect(controller.unit(victim).workloadStatus.status).toBe("active");
    }, 60_000);
    const activeAfterMs = Date.now() - thawedAt;
    await eventually(async () => {
      const alerts = await firingAlerts();
      expect(alerts.filter((alert) => alert.labels.alertname === "ZooKeeperServerNotServing")).toEqual([]);
    }, 60_000);
    console.log(
      `thawed ${victim}: active after ${activeAfterMs} ms, alert resolved after ${Date.now() - thawedAt} ms`,
    );
  });
});

describe("scaling", () => {
  /** The units Prometheus scrapes, healthy (its targets; removed jobs' series only go stale later). */
  async function scrapedUnits(): Promise<string[]> {
    const response = await fetch(`${prometheus}/api/v1/targets?state=active`);
    const targets = (
      (await response.json()) as {
        data: { activeTargets: { labels: Record<string, string>; health: string }[] };
      }
    ).data.activeTargets;
    return targets
      .filter((target) => target.labels.juju_application === APP && target.health === "up")
      .map((target) => target.labels.juju_unit ?? "")
      .sort();
  }
  const unitNames = () =>
    liveUnits(controller)
      .map((unit) => unit.name)
      .sort();

  it("Prometheus's targets follow the units: 3 → 5 → 3", async () => {
    await controller.addUnit(APP, 2);
    await controller.waitFor({ timeoutMs: 300_000 });
    await eventually(async () => expect(await scrapedUnits()).toEqual(unitNames()), 60_000);
    expect(await scrapedUnits()).toHaveLength(5);
    controller.removeUnit(...unitNames().slice(-2));
    await controller.waitFor({ timeoutMs: 300_000 });
    await eventually(async () => expect(await scrapedUnits()).toEqual(unitNames()), 60_000);
    expect(await scrapedUnits()).toHaveLength(3);
  });
});
