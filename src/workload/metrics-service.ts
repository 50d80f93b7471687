/**
 * The `zookeeper-metrics` service (src/metrics/main.ts): its systemd unit and the settings file it
 * reads on every scrape. It runs the charm's own Node.js runtime and bundle from the charm directory,
 * as root: it reads the ZooKeeper JVM's performance counters and /proc entries, and wakes the charm
 * with `juju-exec`, which only root may call.
 */
import type { ExporterSettings } from "../metrics/exporter";
import { CONF_DIR, LOG_DIR, type PathSpec, PORTS, SYSTEMD_UNIT_PATH, WORKLOAD_USER } from "./paths";

export const METRICS_SERVICE = "zookeeper-metrics";
/** ZooKeeper's PrometheusMetricsProvider's default port, which the community's dashboards expect. */
export const METRICS_PORT = 7000;

export const METRICS_FILES = {
  settings: { path: `${CONF_DIR}/metrics.json`, mode: 0o644, owner: "root", group: "root" },
  /** The health of its server the charm saw at the end of its last reconcile (health-watch.ts). */
  reportedHealth: { path: `${CONF_DIR}/reported-health.json`, mode: 0o644, owner: "root", group: "root" },
  systemdUnit: {
    path: SYSTEMD_UNIT_PATH.replace(/[^/]+\.service$/, `${METRICS_SERVICE}.service`),
    mode: 0o644,
    owner: "root",
    group: "root",
  },
} as const satisfies Record<string, PathSpec>;

export interface MetricsServiceInput {
  /** The Node.js runtime the charm runs on. */
  readonly node: string;
  /** The charm directory (JUJU_CHARM_DIR), holding dist/metrics.js. */
  readonly charmDir: string;
  readonly unit: string;
  readonly address: string;
  /** Units of the application in the peer relation, this one included. */
  readonly units: number;
  readonly certificate: { readonly notBefore: Date; readonly notAfter: Date } | undefined;
}

function word(text: string): string {
  if (text === "" || /[\s"'\\$%;]/.test(text)) {
    throw new TypeError(`metrics service: ${JSON.stringify(text)} would need quoting in ExecStart`);
  }
  return text;
}

export function renderMetricsUnit(input: MetricsServiceInput): string {
  const exec = [
    input.node,
    `${input.charmDir}/dist/metrics.js`,
    METRICS_FILES.settings.path,
    `${input.address}:${METRICS_PORT}`,
  ];
  return `${[
    "[Unit]",
    "Description=ZooKeeper metrics for Prometheus (managed by the zookeeper Juju charm)",
    "After=network.target",
    "",
    "[Service]",
    "Type=simple",
    `ExecStart=${exec.map(word).join(" ")}`,
    `WorkingDirectory=${word(LOG_DIR)}`,
    "Restart=always",
    "RestartSec=2",
    "",
    "[Install]",
    "WantedBy=multi-user.target",
  ].join("\n")}\n`;
}

export function renderMetricsSettings(input: MetricsServiceInput): string {
  const settings: ExporterSettings = {
    unit: input.unit,
    server: `${input.address}:${PORTS.client}`,
    plannedUnits: input.units,
    ...(input.certificate
      ? {
          certificateValidity: {
            from: Math.floor(input.certificate.notBefore.getTime() / 1000),
            to: Math.floor(input.certificate.notAfter.getTime() / 1000),
          },
        }
      : {}),
    workloadUser: WORKLOAD_USER,
    charmDir: input.charmDir,
    reportedHealth: METRICS_FILES.reportedHealth.path,
  };
  return `${JSON.stringify(settings, null, 2)}\n`;
}
