/**
 * The machine layout the charm owns: where every file ZooKeeper reads or writes lives, who owns it and
 * with which mode. Nothing here does I/O; the workload adapter creates and writes these paths.
 */

/** The systemd service (and unit file stem) that runs ZooKeeper. */
export const SERVICE_NAME = "zookeeper";

/**
 * The charm's own config directory. Not Debian's `/etc/zookeeper/conf`, so the package's defaults and
 * the charm's files never mix. ZooKeeper writes here itself after every reconfig: a new
 * `zoo.cfg.dynamic.<version-hex>` next to zoo.cfg, and a rewritten zoo.cfg (zookeeper-notes §3.1,
 * `QuorumPeerConfig.editStaticConfig`), both through a temp file + rename in this directory. So the
 * directory must be writable by the `zookeeper` user.
 */
export const CONF_DIR = "/etc/zookeeper/charm";
export const ZOO_CFG_PATH = `${CONF_DIR}/zoo.cfg`;
/** The dynamic file the charm writes once, before first start; ZooKeeper owns membership afterwards. */
export const INITIAL_DYNAMIC_CONFIG_PATH = `${CONF_DIR}/zoo.cfg.dynamic`;
export const JAAS_PATH = `${CONF_DIR}/jaas.conf`;
export const LOG4J_PROPERTIES_PATH = `${CONF_DIR}/log4j.properties`;

/** Juju storage `data` is mounted here (metadata.yaml `storage: data: location`). */
export const DATA_ROOT = "/var/lib/zookeeper";
/** ZooKeeper `dataDir`: snapshots and `myid`. */
export const DATA_DIR = `${DATA_ROOT}/data`;
/** ZooKeeper `dataLogDir`: the transaction log, kept apart from snapshots as zookeeperAdmin advises. */
export const DATA_LOG_DIR = `${DATA_ROOT}/data-log`;
export const MYID_PATH = `${DATA_DIR}/myid`;

export const LOG_DIR = "/var/log/zookeeper";
export const LOG_FILE_PATH = `${LOG_DIR}/zookeeper.log`;

export const SYSTEMD_UNIT_PATH = `/etc/systemd/system/${SERVICE_NAME}.service`;

/** The JVM launcher from Debian's default-jre-headless alternatives. */
export const JAVA_PATH = "/usr/bin/java";

/** The ports ZooKeeper listens on; the same on every unit because each unit has its own address. */
export const PORTS = {
  client: 2181,
  /** TLS clients (secureClientPort), while the ensemble runs TLS. */
  secureClient: 2182,
  quorum: 2888,
  election: 3888,
} as const;

/** The system user and group the Debian `zookeeper` package creates; the JVM runs as them. */
export const WORKLOAD_USER = "zookeeper";
export const WORKLOAD_GROUP = "zookeeper";

/** SASL/digest super user the charm administers ZooKeeper as (`zookeeper.superUser`, superDigest). */
export const SUPER_USER = "super";
/**
 * The two SASL user names the servers authenticate each other with (JAAS QuorumServer/QuorumLearner).
 * The first is the initial one; each `sync` password change moves to the other name, so servers can
 * accept both while the change rolls out.
 */
export const QUORUM_USERS = ["sync", "sync2"] as const;

/** Ownership and permission bits for one path the charm writes or creates. */
export interface PathSpec {
  readonly path: string;
  readonly mode: number;
  readonly owner: string;
  readonly group: string;
}

function owned(path: string, mode: number): PathSpec {
  return { path, mode, owner: WORKLOAD_USER, group: WORKLOAD_GROUP };
}

/**
 * Directories, created before any file in them. 0750 on CONF_DIR is what actually protects secrets
 * after ZooKeeper rewrites zoo.cfg: its temp-file + rename gets the JVM's umask, not our 0640
 * (the Python charm leaves every file 0644, reference-charm §3.7).
 */
export const MANAGED_DIRECTORIES = {
  conf: owned(CONF_DIR, 0o750),
  data: owned(DATA_DIR, 0o750),
  dataLog: owned(DATA_LOG_DIR, 0o750),
  log: owned(LOG_DIR, 0o750),
} as const satisfies Record<string, PathSpec>;

/** Files the charm renders, with the mode each must have. */
export const MANAGED_FILES = {
  /** Holds the super user's digest, which can be attacked offline: not world-readable. */
  zooCfg: owned(ZOO_CFG_PATH, 0o640),
  initialDynamicConfig: owned(INITIAL_DYNAMIC_CONFIG_PATH, 0o640),
  /** Holds every password in clear text (JAAS has no hashed form): owner only. */
  jaas: owned(JAAS_PATH, 0o600),
  log4jProperties: owned(LOG4J_PROPERTIES_PATH, 0o644),
  myid: owned(MYID_PATH, 0o644),
  /** systemd reads units as root; nothing secret is in it (jvm.ts keeps secrets out of the command line). */
  systemdUnit: { path: SYSTEMD_UNIT_PATH, mode: 0o644, owner: "root", group: "root" },
} as const satisfies Record<string, PathSpec>;
