/**
 * The Grafana dashboard (src/cos/grafana_dashboards/zookeeper.json) follows the COS conventions (the
 * `${prometheusds}` datasource, the Juju topology variables, every selector filtered by them) and
 * queries only metrics that a real 3-unit ensemble's units serve (fixtures/scrape-*.txt).
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { dashboardQueries, instantiate } from "../../support/dashboard-queries";

const ROOT = join(import.meta.dirname, "../../..");
const dashboard = JSON.parse(readFileSync(join(ROOT, "src/cos/grafana_dashboards/zookeeper.json"), "utf8"));

const MATCHERS = [
  'juju_model=~"$juju_model"',
  'juju_application=~"$juju_application"',
  'juju_unit=~"$juju_unit"',
];
// biome-ignore lint/suspicious/noTemplateCurlyInString: Grafana's variable syntax, not a template.
const DATASOURCE = { type: "prometheus", uid: "${prometheusds}" };

interface Panel {
  id?: number;
  type?: string;
  title?: string;
  datasource?: { type?: string; uid?: string };
  gridPos?: { h: number; w: number; x: number; y: number };
  targets?: { expr?: string; refId?: string; datasource?: { type?: string; uid?: string } }[];
  panels?: Panel[];
}

/** Every panel, the panels of collapsed rows included; rows themselves too. */
function allPanels(panels: Panel[] | undefined): Panel[] {
  return (panels ?? []).flatMap((panel) => [panel, ...allPanels(panel.panels)]);
}

const panels = allPanels(dashboard.panels);
const queryPanels = panels.filter((panel) => panel.type !== "row");

/** Series names of a Prometheus text exposition. */
function seriesNames(exposition: string): Set<string> {
  return new Set(
    exposition
      .split("\n")
      .filter((line) => line.trim() !== "" && !line.startsWith("#"))
      .map((line) => line.match(/^[a-zA-Z_:][a-zA-Z0-9_:]*/)?.[0] ?? line),
  );
}

const fixture = (name: string) => readFileSync(join(import.meta.dirname, "fixtures", name), "utf8");
const scraped = new Set([
  ...seriesNames(fixture("scrape-leader.txt")),
  ...seriesNames(fixture("scrape-follower.txt")),
]);

/** PromQL words that are not metric names where an identifier not followed by "(" can stand. */
const KEYWORDS = new Set([
  "and",
  "or",
  "unless",
  "atan2",
  "bool",
  "offset",
  "by",
  "without",
  "on",
  "ignoring",
  "group_left",
  "group_right",
  "inf",
  "nan",
]);

/** `text` with what `pattern` matches blanked out but its first and last characters (delimiters) kept. */
function blank(text: string, pattern: RegExp): string {
  return text.replace(pattern, (match) =>
    match.length < 2 ? " " : match[0] + " ".repeat(match.length - 2) + match[match.length - 1],
  );
}

/** `text` with what `pattern` matches blanked out entirely. */
const erase = (text: string, pattern: RegExp): string =>
  text.replace(pattern, (match) => " ".repeat(match.length));

interface Selector {
  metric: string;
  /** What is between the braces following the metric name, undefined without braces. */
  matchers: string | undefined;
}

/**
 * The metric selectors of a PromQL expression. Strings, label matchers and ranges are blanked and
 * by/without/on/ignoring/group_left/group_right clauses erased (positions kept); the identifiers
 * left that are not followed by "(" (functions, aggregations) and are not keywords are metric names.
 */
function selectors(expr: string): Selector[] {
  const noStrings = blank(expr, /"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|`[^`]*`/g);
  const scan = erase(
    blank(blank(noStrings, /\{[^}]*\}/g), /\[[^\]]*\]/g),
    /\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g,
  );
  const found: Selector[] = [];
  for (const match of scan.matchAll(/(?<![A-Za-z0-9_:.$])[a-zA-Z_:][a-zA-Z0-9_:]*/g)) {
    const end = match.index + match[0].length;
    const rest = scan.slice(end);
    if (/^\s*\(/.test(rest) || KEYWORDS.has(match[0].toLowerCase())) continue;
    const brace = rest.match(/^\s*\{/);
    let matchers: string | undefined;
    if (brace) {
      const open = end + brace[0].length - 1;
      matchers = expr.slice(open + 1, noStrings.indexOf("}", open));
    }
    found.push({ metric: match[0], matchers });
  }
  return found;
}

const metricNames = (expr: string): string[] => selectors(expr).map((selector) => selector.metric);

describe("the PromQL metric name extractor", () => {
  it.each([
    ['rate(foo_total{job="a", x=~"b|c"}[5m])', ["foo_total"]],
    [
      'sum by (juju_unit, le) (rate(a_bucket{le!="+Inf"}[$__rate_interval])) / on (le) group_left b',
      ["a_bucket", "b"],
    ],
    ['count(count_values("config", version{q="(x)"}))', ["version"]],
    ['count by (version) (info{a="b"}) + sum(c) without (d) / e', ["info", "c", "e"]],
    ['(min(expiry{a="1"}) - time()) / 86400', ["expiry"]],
    ["x offset 5m > bool 1e3 and ignoring(instance) y or z unless w", ["x", "y", "z", "w"]],
    ['max_over_time(up{a="b"}[1h:5m]) * 2 + Inf', ["up"]],
    ["histogram_quantile(0.99, sum without (pod) (rate(h_bucket[5m])))", ["h_bucket"]],
    ['a:recorded:rate5m{x="}"} atan2 b', ["a:recorded:rate5m", "b"]],
  ])("finds the metrics of %s", (expr, expected) => {
    expect(metricNames(expr)).toEqual(expected);
  });

  it("reads the matchers of each selector", () => {
    expect(selectors('sum(a{x="}", y="z"}) + b')).toEqual([
      { metric: "a", matchers: 'x="}", y="z"' },
      { metric: "b", matchers: undefined },
    ]);
  });
});

describe("the ZooKeeper dashboard", () => {
  it("is a modern dashboard with the expected identity", () => {
    expect(dashboard.title).toBe("ZooKeeper");
    expect(dashboard.uid).toBe("zookeeper");
    expect(dashboard.tags).toEqual(["zookeeper"]);
    expect(dashboard.schemaVersion).toBeGreaterThanOrEqual(36);
    for (const panel of panels) {
      expect(["row", "stat", "timeseries", "table", "state-timeline"]).toContain(panel.type);
    }
  });

  it("declares the Prometheus datasource and the chained Juju topology variables", () => {
    const variables = dashboard.templating.list as Record<string, unknown>[];
    const byName = new Map(variables.map((variable) => [variable.name, variable]));
    expect(byName.get("prometheusds")).toMatchObject({ type: "datasource", query: "prometheus" });
    const definitions = {
      juju_model: "label_values(up, juju_model)",
      juju_application: 'label_values(up{juju_model=~"$juju_model"}, juju_application)',
      juju_unit:
        'label_values(up{juju_model=~"$juju_model", juju_application=~"$juju_application"}, juju_unit)',
    };
    for (const [name, query] of Object.entries(definitions)) {
      expect(byName.get(name), name).toMatchObject({
        type: "query",
        query,
        datasource: DATASOURCE,
        multi: true,
        includeAll: true,
        allValue: ".*",
      });
    }
  });

  it("has unique panel ids, placed on the 24-column grid", () => {
    const ids = panels.map((panel) => panel.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const panel of panels) {
      expect(panel.gridPos, panel.title).toBeDefined();
      expect(panel.gridPos!.x + panel.gridPos!.w, panel.title).toBeLessThanOrEqual(24);
    }
  });

  it("has panels in collapsed rows", () => {
    const nested = dashboard.panels.flatMap((panel: Panel) => panel.panels ?? []);
    expect(nested.length).toBeGreaterThan(0);
  });

  it.each(queryPanels.map((panel) => [panel.title ?? `panel ${panel.id}`, panel]))(
    "panel %s: titled, on the prometheusds datasource, with filtered targets",
    (_title, panel) => {
      expect(panel.title).toBeTruthy();
      expect(panel.datasource).toEqual(DATASOURCE);
      expect(panel.targets?.length).toBeGreaterThan(0);
      const refIds = panel.targets!.map((target) => target.refId);
      expect(new Set(refIds).size).toBe(refIds.length);
      for (const target of panel.targets!) {
        expect(target.datasource ?? DATASOURCE).toEqual(DATASOURCE);
        expect(target.expr).toBeTruthy();
        for (const matcher of MATCHERS) expect(target.expr).toContain(matcher);
        const found = selectors(target.expr!);
        expect(found.length, target.expr).toBeGreaterThan(0);
        for (const { metric, matchers } of found) {
          expect(matchers, `${metric} in ${target.expr}`).toBeDefined();
          for (const matcher of MATCHERS) expect(matchers, `${metric} in ${target.expr}`).toContain(matcher);
        }
      }
    },
  );

  it("queries only metrics the units serve", () => {
    // Only served with TLS enabled, which the fixtures' ensemble did not have: the exporter must emit them.
    const exporter = readFileSync(join(ROOT, "src/metrics/exporter.ts"), "utf8");
    const missing: string[] = [];
    for (const { panel, expr } of dashboardQueries(dashboard)) {
      for (const metric of metricNames(expr)) {
        if (scraped.has(metric)) continue;
        if (panel.includes("TLS") && exporter.includes(`"${metric}"`)) continue;
        missing.push(`${metric} (${panel})`);
      }
    }
    expect(missing).toEqual([]);
  });

  it("lists every query, collapsed rows included, for the integration test", () => {
    const queries = dashboardQueries(dashboard);
    const targets = queryPanels.flatMap((panel) => panel.targets ?? []);
    expect(queries).toHaveLength(targets.length);
    expect(queries.map((query) => query.panel)).toContain("Heap used / max");
    expect(queries.filter((query) => query.panel.includes("TLS"))).toHaveLength(1);
    for (const { expr } of queries) {
      const query = instantiate(expr, { model: "cos-test", application: "zookeeper" });
      expect(query).not.toContain("$");
      expect(query).toContain('juju_model=~"cos-test"');
      expect(query).toContain('juju_application=~"zookeeper"');
      expect(query).toContain('juju_unit=~".*"');
    }
  });

  it("instantiates the Grafana variables", () => {
    expect(
      instantiate(
        // biome-ignore lint/suspicious/noTemplateCurlyInString: Grafana's variable syntax, not a template.
        'rate(a{juju_model=~"$juju_model", juju_unit=~"${juju_unit}"}[$__rate_interval])' +
          " + b[$__interval] + c[$__range] + d[$__interval_ms]",
        { model: "m", application: "app" },
      ),
    ).toBe('rate(a{juju_model=~"m", juju_unit=~".*"}[1m]) + b[30s] + c[5m] + d[$__interval_ms]');
  });
});
