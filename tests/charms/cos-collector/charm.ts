/**
 * The test COS collector (see metadata.yaml): every hook rebuilds Prometheus's configuration from
 * what the related units publish, and keeps a real Prometheus (Debian's package) running on this
 * unit's address:9090 as a systemd service, reloaded when its configuration changes.
 * Files, under /var/lib/cos-collector: prometheus.yml, rules/<app>.rules.json (Prometheus reads
 * YAML, of which JSON is a subset), dashboards/<app>-<n>.json (decoded), invalid.log.
 */
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { active, blocked, type Hook, runHook } from "../../../lib/juju";

const DIR = "/var/lib/cos-collector";
const SERVICE = "cos-prometheus";

interface ProviderData {
  metrics_alert_rules: { groups?: unknown[] };
  dashboards: string[];
  metrics_scrape_jobs: { job_name: string; static_configs?: { targets: string[]; labels?: object }[] }[];
}

function writeIfChanged(path: string, content: string): boolean {
  if (existsSync(path) && readFileSync(path, "utf8") === content) return false;
  writeFileSync(path, content);
  return true;
}

function decodeDashboard(encoded: string): string {
  return execFileSync("xz", ["-d", "-c"], { input: Buffer.from(encoded, "base64") }).toString("utf8");
}

async function handle(hook: Hook): Promise<void> {
  const { modelName, modelUuid } = hook.context;
  const address = hook.tools.networkGet("cos-agent").bindAddresses[0]?.addresses[0]?.value;
  mkdirSync(join(DIR, "rules"), { recursive: true });
  mkdirSync(join(DIR, "dashboards"), { recursive: true });
  mkdirSync(join(DIR, "data"), { recursive: true });
  const jobs: unknown[] = [];
  const rules = new Map<string, unknown>();
  const dashboards = new Map<string, string>();
  const invalid: string[] = [];
  for (const relation of hook.model.relations("cos-agent")) {
    const app = relation.remoteApp ?? "unknown";
    for (const unit of relation.units) {
      const raw = relation.rawUnitData(unit).config;
      if (raw === undefined) continue;
      let data: ProviderData;
      try {
        data = JSON.parse(raw) as ProviderData;
        if (!Array.isArray(data.metrics_scrape_jobs) || !Array.isArray(data.dashboards))
          throw new Error("fields");
      } catch (error) {
        invalid.push(`${unit}: ${String(error)}`);
        continue;
      }
      const topology = {
        juju_model: modelName,
        juju_model_uuid: modelUuid,
        juju_application: app,
        juju_unit: unit,
      };
      for (const job of data.metrics_scrape_jobs) {
        jobs.push({
          ...job,
          // One job per unit in Prometheus (the collectors run one per machine).
          job_name: `${job.job_name}_${unit.replace("/", "_")}`,
          scrape_interval: "5s",
          static_configs: (job.static_configs ?? []).map((config) => ({
            ...config,
            labels: { ...(config.labels ?? {}), ...topology },
          })),
        });
      }
      rules.set(app, data.metrics_alert_rules);
      for (const [index, encoded] of data.dashboards.entries())
        dashboards.set(`${app}-${index}`, decodeDashboard(encoded));
    }
  }
  writeFileSync(join(DIR, "invalid.log"), invalid.join("\n"));
  for (const file of execFileSync("ls", [join(DIR, "rules")], { encoding: "utf8" })
    .split("\n")
    .filter(Boolean)) {
    if (!rules.has(file.replace(/\.rules\.json$/, ""))) rmSync(join(DIR, "rules", file));
  }
  let rulesChanged = false;
  for (const [app, groups] of rules) {
    rulesChanged =
      writeIfChanged(join(DIR, "rules", `${app}.rules.json`), JSON.stringify(groups)) || rulesChanged;
  }
  for (const [name, json] of dashboards) writeIfChanged(join(DIR, "dashboards", `${name}.json`), json);
  const config = JSON.stringify({
    global: { scrape_interval: "5s", evaluation_interval: "5s" },
    rule_files: [join(DIR, "rules", "*.rules.json")],
    scrape_configs: jobs,
  });
  const configChanged = writeIfChanged(join(DIR, "prometheus.yml"), config);
  const unit = [
    "[Unit]",
    "Description=Prometheus for the cos-collector test charm",
    "[Service]",
    `ExecStart=/usr/bin/prometheus --config.file=${DIR}/prometheus.yml --storage.tsdb.path=${DIR}/data --web.listen-address=${address}:9090 --web.enable-lifecycle`,
    "Restart=always",
    "RestartSec=1",
    "[Install]",
    "WantedBy=multi-user.target",
    "",
  ].join("\n");
  if (writeIfChanged(`/etc/systemd/system/${SERVICE}.service`, unit)) {
    execFileSync("systemctl", ["daemon-reload"]);
    execFileSync("systemctl", ["enable", SERVICE]);
    execFileSync("systemctl", ["restart", SERVICE]);
  } else if (configChanged || rulesChanged) {
    // Prometheus rereads its configuration and rules on /-/reload (--web.enable-lifecycle).
    await fetch(`http://${address}:9090/-/reload`, { method: "POST" }).catch(() => undefined);
  }
  hook.report(
    invalid.length > 0
      ? blocked(`invalid cos-agent data from ${invalid.length} unit(s)`)
      : active(`scraping ${jobs.length} job(s) at http://${address}:9090`),
  );
}

runHook(handle).then((code) => process.exit(code));
