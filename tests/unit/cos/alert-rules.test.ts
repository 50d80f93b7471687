import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";

/**
 * The alert rules the charm hands the COS agent, checked by Prometheus's own tool (promtool, from
 * Debian's prometheus package, installed by setup.sh): the file parses and every expression compiles,
 * and the unit tests in zookeeper.rules.test.yaml (every alert firing, and not firing) pass.
 */
const rulesFile = resolve(__dirname, "../../../src/cos/prometheus_alert_rules/zookeeper.rules.yaml");
const testFile = join(__dirname, "zookeeper.rules.test.yaml");

interface Rule {
  alert?: string;
  record?: string;
  expr: string;
  for?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}

interface RulesFile {
  groups: { name: string; rules: Rule[] }[];
}

interface RuleTestFile {
  rule_files: string[];
  evaluation_interval: string;
  tests: {
    name?: string;
    alert_rule_test?: {
      eval_time: string;
      alertname: string;
      exp_alerts: { exp_labels?: Record<string, string>; exp_annotations?: Record<string, string> }[];
    }[];
  }[];
}

const rules = parse(readFileSync(rulesFile, "utf8")) as RulesFile;
const ruleTests = parse(readFileSync(testFile, "utf8")) as RuleTestFile;
const alerts = rules.groups.flatMap((group) => group.rules).filter((rule) => rule.alert !== undefined);
const cases = ruleTests.tests.flatMap((test) => test.alert_rule_test ?? []);

function promtool(...args: string[]): void {
  const result = spawnSync("promtool", args, { encoding: "utf8" });
  expect(result.error, "promtool must be installed (setup.sh)").toBeUndefined();
  expect(result.status, `promtool ${args.join(" ")}\n${result.stdout}${result.stderr}`).toBe(0);
}

describe("ZooKeeper alert rules", () => {
  it("pass promtool check rules", () => {
    promtool("check", "rules", rulesFile);
  });

  it("pass their promtool unit tests", () => {
    promtool("test", "rules", testFile);
  });

  it("are one group, named zookeeper, of alerts only", () => {
    expect(rules.groups.map((group) => group.name)).toEqual(["zookeeper"]);
    expect(alerts.length).toBe(rules.groups[0]?.rules.length);
    expect(alerts.length).toBeGreaterThanOrEqual(26);
  });

  it("have unique CamelCase names", () => {
    const names = alerts.map((rule) => rule.alert);
    expect(new Set(names).size).toBe(names.length);
    for (const name of names) expect(name).toMatch(/^ZooKeeper[A-Z][A-Za-z0-9]*$/);
  });

  it("each have a severity, a summary and a description", () => {
    for (const rule of alerts) {
      expect(["critical", "warning"], rule.alert).toContain(rule.labels?.severity);
      expect(rule.annotations?.summary?.trim(), rule.alert).toBeTruthy();
      expect(rule.annotations?.description?.trim(), rule.alert).toBeTruthy();
      expect(rule.for, rule.alert).toMatch(/^\d+[smh]$/);
    }
  });

  it('select no series by juju_charm (the Python charm\'s juju_charm!=".*" matched nothing)', () => {
    for (const rule of alerts) {
      expect(rule.expr, rule.alert).not.toContain('juju_charm!=".*"');
      expect(rule.expr, rule.alert).not.toContain("juju_charm");
    }
  });

  it("leave out deadlocked threads, which HotSpot's performance counters do not count", () => {
    for (const rule of alerts) expect(rule.expr, rule.alert).not.toContain("jvm_threads_deadlocked");
  });

  it("are the rules the unit tests load", () => {
    expect(ruleTests.rule_files.map((file) => resolve(dirname(testFile), file))).toEqual([rulesFile]);
    expect(ruleTests.evaluation_interval).toBe("1m");
  });

  it("each fire, with their severity, and each stay quiet, in at least one unit test", () => {
    for (const rule of alerts) {
      const mine = cases.filter((test) => test.alertname === rule.alert);
      const firing = mine.filter((test) => test.exp_alerts.length > 0);
      expect(firing.length, `${rule.alert} fires in no test`).toBeGreaterThan(0);
      expect(
        mine.filter((test) => test.exp_alerts.length === 0).length,
        `${rule.alert} never quiet`,
      ).toBeGreaterThan(0);
      for (const alert of firing.flatMap((test) => test.exp_alerts)) {
        expect(alert.exp_labels?.severity, rule.alert).toBe(rule.labels?.severity);
        expect(Object.keys(alert.exp_annotations ?? {}).sort(), rule.alert).toEqual([
          "description",
          "summary",
        ]);
      }
    }
  });

  it("name in their tests only alerts that exist", () => {
    const names = new Set(alerts.map((rule) => rule.alert));
    for (const test of cases) expect(names, test.alertname).toContain(test.alertname);
  });
});
