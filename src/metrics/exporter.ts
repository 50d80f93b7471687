/**
 * The unit's metrics endpoint (`http://<unit address>:7000/metrics`), a long-running service beside
 * ZooKeeper's (systemd unit `zookeeper-metrics`, written by the charm). Each scrape reads, fresh:
 * - ZooKeeper's metrics from `mntr`, named as PrometheusMetricsProvider names them (zookeeper-metrics.ts);
 * - the JVM's, from its performance counters and /proc (jvm-metrics.ts);
 * - what ZooKeeper says of this server's place in the ensemble (`conf`: its committed membership),
 *   beside what Juju plans (the unit count the charm last wrote) and its TLS certificate.
 * Nothing here reads a secret: `mntr` and `conf` need no credentials, and `conf` prints no password;
 * the certificate's validity comes from the charm, not from the key store.
 */
import { readdirSync, readFileSync } from "node:fs";
import { parseConf, parseMntr } from "../../lib/zookeeper/four-letter-word-parsers";
import { sendFourLetterWord } from "../../lib/zookeeper/four-letter-words";
import { type MetricFamily, renderExposition, single } from "./exposition";
import type { Health } from "./health-watch";
import { jvmFamilies } from "./jvm-metrics";
import { parsePerfData } from "./jvm-perfdata";
import { readProcessStats } from "./process-stats";
import { zookeeperFamilies } from "./zookeeper-metrics";

/** What the charm tells the service (metrics.json); re-read on every scrape. */
export interface ExporterSettings {
  readonly unit: string;
  /** This unit's ZooKeeper client endpoint, `address:port`, for `mntr` and `conf`. */
  readonly server: string;
  /** Units of the application in the peer relation, as the charm last saw them. */
  readonly plannedUnits?: number;
  /** The validity (Unix seconds) of the certificate ZooKeeper presents, when it runs TLS. */
  readonly certificateValidity?: { readonly from: number; readonly to: number };
  /** The user the ZooKeeper JVM runs as (its performance counters are under /tmp/hsperfdata_<user>). */
  readonly workloadUser: string;
  /** The charm directory: when set, health changes wake the charm (health-watch.ts). */
  readonly charmDir?: string;
  /** Where the charm records the health it last reported (health-watch.ts). */
  readonly reportedHealth?: string;
}

/** What one look at the server found: its metrics. */
export interface Observation {
  readonly families: MetricFamily[];
}

const PROBE_TIMEOUT_MS = 2_000;
const JVM_MAIN_CLASS = "org.apache.zookeeper.server.quorum.QuorumPeerMain";

/** The ZooKeeper JVM's pid, found by its performance-counter file (one per running JVM of that user). */
export function findServerJvm(user: string, root = ""): number | undefined {
  let entries: string[];
  try {
    entries = readdirSync(`${root}/tmp/hsperfdata_${user}`);
  } catch {
    return undefined;
  }
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const cmdline = readFileSync(`${root}/proc/${entry}/cmdline`, "utf8");
      if (cmdline.split("\0").includes(JVM_MAIN_CLASS)) return Number(entry);
    } catch {
      // A JVM that exited without removing its file.
    }
  }
  return undefined;
}

function jvmMetrics(user: string): MetricFamily[] {
  const pid = findServerJvm(user);
  if (pid === undefined) return [];
  try {
    return jvmFamilies(parsePerfData(readFileSync(`/tmp/hsperfdata_${user}/${pid}`)), readProcessStats(pid));
  } catch {
    return [];
  }
}

async function fourLetterWord(server: string, word: string): Promise<string | undefined> {
  try {
    return await sendFourLetterWord(server, word, { timeoutMs: PROBE_TIMEOUT_MS });
  } catch {
    return undefined;
  }
}

/** The server's own word on itself (`mntr`, `conf`): its health, and what the metrics need. */
async function readServer(settings: ExporterSettings) {
  const [mntrText, confText] = await Promise.all([
    fourLetterWord(settings.server, "mntr"),
    fourLetterWord(settings.server, "conf"),
  ]);
  const mntr = mntrText === undefined ? undefined : parseMntr(mntrText);
  const conf = confText === undefined ? undefined : parseConf(confText);
  const serving = mntr?.serving === true;
  const serverId = Number(conf?.values.serverId);
  const ensemble = conf?.ensemble;
  const voters = ensemble?.servers.filter((server) => server.role === "participant") ?? [];
  const voting = voters.some((server) => server.id === serverId);
  const state = serving ? (mntr?.serverState ?? "unknown") : mntrText === undefined ? "down" : "not serving";
  const health: Health = { serving, voting, answering: mntrText !== undefined };
  return { mntr, ensemble, voters, state, health };
}

type ServerReading = Awaited<ReturnType<typeof readServer>>;

/** How long a scrape reuses the health poll's reading (the poll's interval): one mntr/conf pair per poll. */
export const READING_REUSE_MS = 2_000;
let lastReading: { server: string; at: number; reading: Promise<ServerReading> } | undefined;

/** The health poll: always a fresh reading (its two-in-a-row rule needs two), kept for scrapes. */
export async function readHealth(settings: ExporterSettings, now = Date.now()): Promise<Health> {
  const reading = readServer(settings);
  lastReading = { server: settings.server, at: now, reading };
  return (await reading).health;
}

export async function observe(settings: ExporterSettings, now = Date.now()): Promise<Observation> {
  const reuse =
    lastReading && lastReading.server === settings.server && now - lastReading.at < READING_REUSE_MS;
  const { mntr, ensemble, voters, state, health } = await (reuse
    ? lastReading!.reading
    : readServer(settings));
  const serving = health.serving;
  const voting = health.voting;
  const validity = settings.certificateValidity;
  const families: MetricFamily[] = [
    ...(serving && mntr ? zookeeperFamilies(mntr.values) : []),
    ...jvmMetrics(settings.workloadUser),
    single(
      "zookeeper_server_serving",
      "gauge",
      "1 when this unit's ZooKeeper server answers requests (mntr).",
      serving ? 1 : 0,
    ),
    {
      name: "zookeeper_server_info",
      type: "gauge",
      help: "This unit's ZooKeeper server: its state (leader, follower, observer, standalone, not serving, down) and version.",
      samples: [
        {
          name: "zookeeper_server_info",
          labels: { unit: settings.unit, state, version: mntr?.version?.split(",")[0]?.split("-")[0] ?? "" },
          value: 1,
        },
      ],
    },
    single(
      "zookeeper_server_voting_member",
      "gauge",
      "1 when this server is a voting member of the membership it last committed (conf).",
      ensemble ? (voting ? 1 : 0) : undefined,
    ),
    single(
      "zookeeper_ensemble_config_version",
      "gauge",
      "The version (zxid) of the membership this server last committed.",
      ensemble ? Number(ensemble.version) : undefined,
    ),
    single(
      "zookeeper_ensemble_voters",
      "gauge",
      "Voting members in the membership this server last committed.",
      ensemble ? voters.length : undefined,
    ),
    single(
      "zookeeper_ensemble_planned_units",
      "gauge",
      "Units of the application in the peer relation (as the charm last saw them).",
      settings.plannedUnits,
    ),
    single(
      "zookeeper_tls_certificate_expiry_timestamp_seconds",
      "gauge",
      "When the certificate this server presents expires (Unix time).",
      validity?.to,
    ),
    single(
      "zookeeper_tls_certificate_start_timestamp_seconds",
      "gauge",
      "When the certificate this server presents became valid (Unix time).",
      validity?.from,
    ),
  ];
  return { families };
}

export async function scrape(settings: ExporterSettings): Promise<string> {
  return renderExposition((await observe(settings)).families);
}
