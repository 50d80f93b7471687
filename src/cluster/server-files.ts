/**
 * The files a ZooKeeper server reads when it starts, rendered from the charm's config and the
 * credentials (pure), with the hash that says whether a running server must restart to load them.
 */
import { createHash } from "node:crypto";
import { digestCredential } from "../../lib/zookeeper/acl";
import {
  type CharmConfig,
  JAVA_PATH,
  jvmFlags,
  type LogLevel,
  parseZooCfg,
  renderJaas,
  renderLog4jProperties,
  renderSystemdUnit,
  renderZooCfg,
  SUPER_USER,
  serverClasspath,
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
): ServerFiles {
  const zooCfg = renderZooCfg({
    tickTime: config["tick-time"],
    initLimit: config["init-limit"],
    syncLimit: config["sync-limit"],
    autopurgeSnapRetainCount: config["autopurge-snap-retain-count"],
    autopurgePurgeInterval: config["autopurge-purge-interval"],
    superDigest: digestCredential(SUPER_USER, credentials.super).split(":")[1]!,
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
  const staticKeys = [...parseZooCfg(zooCfg).entries()]
    .filter(([key]) => key !== "dynamicConfigFile")
    .sort(([a], [b]) => (a < b ? -1 : 1));
  const hash = createHash("sha256")
    .update(JSON.stringify([staticKeys, jaas, log4j, unit]))
    .digest("hex")
    .slice(0, 16);
  return { zooCfg, jaas, log4j, unit, hash, credentials: credentialsFingerprint(credentials, phase) };
}
