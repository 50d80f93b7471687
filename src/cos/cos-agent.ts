/**
 * The `cos-agent` relation (provides, interface `cos_agent`): what a COS collector on this machine
 * (opentelemetry-collector or grafana-agent, subordinates) needs to scrape, alert on and show this
 * unit. Spoken as the cos_agent library writes it (charms.grafana_agent.v0.cos_agent, LIBAPI 0,
 * LIBPATCH 26): every unit, leader or not, writes one JSON document under `config` in its own bag:
 *
 *   metrics_alert_rules  {"groups": [...]}: each group renamed `<model>_<uuid[:8]>_<app>_<group>_rules`,
 *                        each rule labelled with the Juju topology; plus the library's HostHealth group
 *   log_alert_rules      {} (no log rules)
 *   dashboards           [base64(xz(dashboard JSON))], built by scripts/build.mjs
 *   subordinate          null (kept by the library for compatibility)
 *   metrics_scrape_jobs  one job scraping this unit's metrics service at <address>:7000 (it binds the
 *                        unit's address, not localhost), named `<app>_default_<blake2b-4 of the job>`
 *   log_slots            [] (no snap: the collector reads /var/log/**\/*log, zookeeper.log included)
 *   tracing_protocols    null
 *
 * Nothing flows back that the charm uses (collectors write `receivers`, for tracing only).
 */
import type { Hook } from "../../lib/juju";
import { blake2bHex } from "./blake2b";

export const COS_AGENT_ENDPOINT = "cos-agent";
/** In the charm directory. */
export const COS_ASSETS_PATH = "dist/cos-assets.json";

/** What scripts/build.mjs packs into dist/cos-assets.json from src/cos. */
export interface CosAssets {
  /** The rule groups of src/cos/prometheus_alert_rules, as written there. */
  readonly metricsRuleGroups: readonly RuleGroup[];
  /** Each dashboard of src/cos/grafana_dashboards, encoded as the library encodes them. */
  readonly dashboards: readonly string[];
}

export interface RuleGroup {
  readonly name: string;
  readonly rules: readonly Record<string, unknown>[];
}

export interface Topology {
  readonly model: string;
  readonly modelUuid: string;
  readonly application: string;
  readonly charm: string;
}

/** The library's rule group for every provider: the scrape target itself is down or gone. */
const HOST_HEALTH: RuleGroup = {
  name: "HostHealth",
  rules: [
    {
      alert: "HostDown",
      expr: "up < 1",
      for: "5m",
      labels: { severity: "critical" },
      annotations: {
        summary: "Host '{{ $labels.instance }}' is down.",
        description:
          "Host '{{ $labels.instance }}' is down, failed to scrape.\n    VALUE = {{ $value }}\n    LABELS = {{ $labels }}",
      },
    },
    {
      alert: "HostMetricsMissing",
      expr: "absent(up)",
      for: "5m",
      labels: { severity: "warning" },
      annotations: {
        summary: "Metrics not received from host '{{ $labels.instance }}'.",
        description:
          "`Up` missing for host '{{ $labels.instance }}'.\n    VALUE = {{ $value }}\n    LABELS = {{ $labels }}",
      },
    },
  ],
};

/**
 * json.dumps(value, sort_keys=True) with Python's default separators and ensure_ascii: the bytes the
 * library hashes to name a scrape job.
 */
export function pythonJsonDumps(value: unknown): string {
  if (value === null || value === undefined) return "null";
  if (typeof value === "boolean") return value ? "true" : "false";
  if (typeof value === "number") {
    if (!Number.isFinite(value)) throw new TypeError("not JSON: a non-finite number");
    return String(value);
  }
  if (typeof value === "string") {
    return JSON.stringify(value).replace(
      /[\u0080-\uffff]/g,
      (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, "0")}`,
    );
  }
  if (Array.isArray(value)) return `[${value.map(pythonJsonDumps).join(", ")}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, item]) => item !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([key, item]) => `${pythonJsonDumps(key)}: ${pythonJsonDumps(item)}`).join(", ")}}`;
}

/** `<app>_<job_name or "default">_<8 hex>`, as the library names every job it sends. */
export function scrapeJob(application: string, job: Record<string, unknown>): Record<string, unknown> {
  const { job_name: name, ...rest } = job;
  const hash = blake2bHex(new TextEncoder().encode(pythonJsonDumps(rest)), 4);
  return { ...rest, job_name: `${application}_${typeof name === "string" ? name : "default"}_${hash}` };
}

/** The library's group name: topology prefix, `_rules` suffix, anything but [a-zA-Z0-9_:] → `_`. */
export function groupName(topology: Topology, group: string): string {
  const prefix = `${topology.model}_${topology.modelUuid.slice(0, 8)}_${topology.application}`;
  const name = /^.*?_[0-9a-f]{8}_.*?rules$/.test(group)
    ? group
    : `${prefix}_${group}${group.endsWith("_rules") ? "" : "_rules"}`;
  return name.replace(/[^a-zA-Z0-9_:]/g, "_");
}

/** Each rule labelled with the topology, where the rule does not set the label itself. */
export function topologyRules(topology: Topology, groups: readonly RuleGroup[]): { groups: RuleGroup[] } {
  const labels = {
    juju_model: topology.model,
    juju_model_uuid: topology.modelUuid,
    juju_application: topology.application,
    juju_charm: topology.charm,
  };
  const seen = new Set<string>();
  const out: RuleGroup[] = [];
  for (const group of [...groups, HOST_HEALTH]) {
    const renamed: RuleGroup = {
      name: groupName(topology, group.name),
      rules: group.rules.map((rule) => ({
        ...rule,
        expr: String(rule.expr ?? "").replace(/%%juju_topology%%,?/g, ""),
        labels: { ...labels, ...((rule.labels as Record<string, string> | undefined) ?? {}) },
      })),
    };
    const key = JSON.stringify(renamed);
    if (!seen.has(key)) out.push(renamed);
    seen.add(key);
  }
  return { groups: out };
}

/** The `config` document of this unit, field for field as the library's CosAgentProviderUnitData. */
export function cosAgentConfig(topology: Topology, assets: CosAssets, target: string): string {
  return JSON.stringify({
    metrics_alert_rules: topologyRules(topology, assets.metricsRuleGroups),
    log_alert_rules: {},
    dashboards: assets.dashboards,
    subordinate: null,
    metrics_scrape_jobs: [
      scrapeJob(topology.application, { metrics_path: "/metrics", static_configs: [{ targets: [target] }] }),
    ],
    log_slots: [],
    tracing_protocols: null,
  });
}

/** The hooks after which the document may differ, as the library refreshes it (no extra tool call else). */
export function cosAgentMayChange(hook: Hook): boolean {
  const { kind, relation } = hook.context;
  return (
    relation?.endpoint === COS_AGENT_ENDPOINT ||
    // Juju runs config-changed when the unit's address changes too.
    ["config-changed", "upgrade-charm", "start"].includes(kind)
  );
}

/** Writes this unit's `config` on every cos-agent relation (relation-set only when it changed). */
export function publishCosAgent(hook: Hook, assets: CosAssets | undefined, target: string | undefined): void {
  if (!cosAgentMayChange(hook) || !assets || !target) return;
  const relations = hook.model.relations(COS_AGENT_ENDPOINT);
  const { modelName, modelUuid, appName } = hook.context;
  const config = cosAgentConfig(
    { model: modelName, modelUuid, application: appName, charm: "zookeeper" },
    assets,
    target,
  );
  for (const relation of relations) relation.setLocalUnitData(COS_AGENT_SCHEMA, { config });
}

const COS_AGENT_SCHEMA = { config: { parse: (raw: string) => raw, serialize: (value: string) => value } };
