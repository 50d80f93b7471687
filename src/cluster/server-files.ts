/**
 * The files a ZooKeeper server reads when it starts, rendered from the charm's config and the
 * credentials (pure), with the hash that says whether a running server must restart to load them.
 */
import { createHash } from "node:crypto";
import { type EnsembleConfig, parseEnsembleConfig } from "../../lib/zookeeper";
import { digestCredential } from "../../lib/zookeeper/acl";
import type { Machine } from "../ports";
import type { TlsPhase, ZooCfgTls } from "../workload";
import {
  type CharmConfig,
  DATA_ROOT,
  JAVA_PATH,
  jvmFlags,
  type LogLevel,
  MANAGED_DIRECTORIES,
  MANAGED_FILES,
  mergeZooCfg,
  parseZooCfg,
  renderJaas,
  renderLog4jProperties,
  renderSystemdUnit,
  renderZooCfg,
  SUPER_USER,
  serverClasspath,
  staticConfigChanges,
  WORKLOAD_GROUP,
  WORKLOAD_USER,
  ZOO_CFG_PATH,
} from "../workload";
import {
  type Credentials,
  clientUsername,
  credentialsFingerprint,
  quorumJaas,
  type SyncRotationPhase,
} from "./credentials";

export interface ServerFiles {
  readonly zooCfg: string;
  readonly jaas: string;
  readonly log4j: string;
  readonly unit: string;
  /** Hash of everything a running server reads only at start. */
  readonly hash: string;
  /** Fingerprint of the credentials in them (credentials.ts). */
  readonly credentials: string;
  /** The TLS phase they run (`off`, or a TlsPhase). */
  readonly tls: TlsPhase | "off";
  /**
   * Fingerprint of the certificate in the key store they point at. Not in the hash: servers reload
   * certificates themselves, except ZooKeeper 3.8's client port (unit-server.ts).
   */
  readonly certificate?: string;
}

/**
 * zoo.cfg (static keys; ZooKeeper owns dynamicConfigFile), the JAAS file, log4j and the systemd
 * unit. `hash` covers everything a running server reads only at start, so it changes exactly when a
 * restart is needed.
 */
export function serverFiles(
  config: CharmConfig,
  credentials: Credentials,
  phase: SyncRotationPhase | undefined,
  tls?: ZooCfgTls,
): ServerFiles {
  const zooCfg = renderZooCfg({
    tickTime: config["tick-time"],
    initLimit: config["init-limit"],
    syncLimit: config["sync-limit"],
    autopurgeSnapRetainCount: config["autopurge-snap-retain-count"],
    autopurgePurgeInterval: config["autopurge-purge-interval"],
    superDigest: digestCredential(SUPER_USER, credentials.super).split(":")[1]!,
    ...(tls ? { tls: { ...tls, clientAuth: config["tls-client-auth"] as "none" | "want" | "need" } } : {}),
  });
  const quorum = quorumJaas(credentials, phase);
  const jaas = renderJaas({
    quorumServerUsers: quorum.accepted,
    quorumLearner: quorum.learner,
    serverUsers: [
      { username: SUPER_USER, password: credentials.super },
      ...[...credentials.clients.entries()].map(([id, password]) => ({
        username: clientUsername(id),
        password,
      })),
    ],
  });
  const log4j = renderLog4jProperties({ level: config["log-level"] as LogLevel });
  const unit = renderSystemdUnit({
    javaPath: JAVA_PATH,
    jvmFlags: jvmFlags({ heapMb: config["heap-size-mb"] }),
    classpath: serverClasspath(),
    configPath: ZOO_CFG_PATH,
    user: WORKLOAD_USER,
    group: WORKLOAD_GROUP,
  });
  // The hash is the same on every unit for the same configuration (the leader compares each unit's
  // with its own, nextRestartGrant), so the unit's own address stays out of it.
  const staticKeys = [...parseZooCfg(zooCfg).entries()]
    .filter(([key]) => key !== "dynamicConfigFile" && key !== "secureClientPortAddress")
    .sort(([a], [b]) => (a < b ? -1 : 1));
  const hash = createHash("sha256")
    .update(JSON.stringify([staticKeys, jaas, log4j, unit]))
    .digest("hex")
    .slice(0, 16);
  return {
    zooCfg,
    jaas,
    log4j,
    unit,
    hash,
    credentials: credentialsFingerprint(credentials, phase),
    tls: tls?.phase ?? "off",
  };
}

/** Where the hash of the configuration the running server was started with is kept. */
export const RUNNING_CONFIG_PATH = `${DATA_ROOT}/.charm-running-config`;

/** What the running server was started with: the files' hash, the credentials' fingerprint, TLS. */
export interface RunningConfig {
  readonly hash: string;
  readonly credentials: string | undefined;
  readonly tls: string | undefined;
  /** The certificate it loaded at start (`-` without TLS). */
  readonly certificate: string | undefined;
  /** The ZooKeeper package version it was started from (undefined: recorded by an older revision). */
  readonly version: string | undefined;
}

/** Writes the files a server reads at start (zoo.cfg only when a static key differs). */
export function writeServerFiles(machine: Machine, files: ServerFiles): void {
  for (const directory of Object.values(MANAGED_DIRECTORIES)) machine.ensureDirectory(directory);
  const current = machine.read(ZOO_CFG_PATH);
  if (current === undefined || staticConfigChanges(current, files.zooCfg).length > 0) {
    machine.write(MANAGED_FILES.zooCfg, mergeZooCfg(current, files.zooCfg));
  }
  machine.write(MANAGED_FILES.jaas, files.jaas);
  machine.write(MANAGED_FILES.log4jProperties, files.log4j);
  if (machine.write(MANAGED_FILES.systemdUnit, files.unit)) machine.daemonReload();
}

/** What the running server was started with, as recorded when it started (undefined: unknown). */
export function runningConfig(machine: Machine): RunningConfig | undefined {
  const [hash, credentials, tls, certificate, version] = (machine.read(RUNNING_CONFIG_PATH) ?? "")
    .trim()
    .split(/\s+/);
  return hash ? { hash, credentials, tls, certificate, version } : undefined;
}

/**
 * The membership this unit's server runs with: the dynamic file its zoo.cfg points at, which
 * ZooKeeper rewrites whenever it learns a newer configuration (zookeeper-notes §3.1).
 */
export function runningMembership(machine: Machine): EnsembleConfig | undefined {
  const zooCfg = machine.read(ZOO_CFG_PATH);
  const path = zooCfg === undefined ? undefined : parseZooCfg(zooCfg).get("dynamicConfigFile");
  const text = path === undefined ? undefined : machine.read(path);
  if (text === undefined) return undefined;
  try {
    return parseEnsembleConfig(text, { requireVersion: false });
  } catch {
    return undefined;
  }
}
