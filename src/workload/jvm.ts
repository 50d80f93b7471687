/**
 * The ZooKeeper JVM's classpath and flags. Everything here ends up on the `java` command line, which
 * any local user can read with `ps`, so nothing secret may appear: passwords live in the JAAS file
 * (0600) and the super digest in zoo.cfg (0640).
 */
import { JAAS_PATH, LOG_DIR, LOG4J_PROPERTIES_PATH, SUPER_USER } from "./paths";

/**
 * `zookeeper.jar` plus what its manifest Class-Path leaves out in Debian's 3.8.0 package
 * (zookeeper-notes §3.8, §3.9, §4; all verified present on Debian 12 with the package installed).
 * The other dependencies (jetty9, netty-handler, slf4j-api, …) come in through that Class-Path.
 */
const SERVER_JARS = [
  "/usr/share/java/zookeeper.jar",
  // Netty TLS: without them the quorum listener thread dies on TLS (ByteToMessageDecoder, §3.8).
  "/usr/share/java/netty-codec.jar",
  "/usr/share/java/netty-resolver.jar",
  // An SLF4J binding and its backend: without them ZooKeeper logs nothing (NOP logger, §4).
  "/usr/share/java/slf4j-log4j12.jar",
  "/usr/share/java/log4j-1.2.jar",
] as const;

/** The jars to put on `-cp`, in order. */
export function serverClasspath(): readonly string[] {
  return SERVER_JARS;
}

export interface JvmFlagsInput {
  /** Heap size in MiB, used for both -Xms and -Xmx (config `heap-size-mb`). */
  readonly heapMb: number;
}

/** The longest pause between leader-election rounds (FastLeaderElection's backoff cap). */
export const MAX_ELECTION_NOTIFICATION_INTERVAL_MS = 5_000;

/** The JVM options for the ZooKeeper server, before `-cp` and the main class. */
export function jvmFlags(input: JvmFlagsInput): string[] {
  if (!Number.isInteger(input.heapMb) || input.heapMb <= 0) {
    throw new RangeError(`jvm: heapMb must be a positive integer (got ${input.heapMb})`);
  }
  return [
    // Equal -Xms/-Xmx: the heap never resizes under load, and without -Xmx the JVM takes 1/4 of the
    // machine's RAM per server (zookeeper-notes §4), which matters when units share a host.
    `-Xms${input.heapMb}m`,
    `-Xmx${input.heapMb}m`,
    `-Dzookeeper.log.dir=${LOG_DIR}`,
    // An explicit file, so Debian's /etc/zookeeper/conf/log4j.properties can never be picked up
    // from the classpath instead.
    `-Dlog4j.configuration=file:${LOG4J_PROPERTIES_PATH}`,
    `-Djava.security.auth.login.config=${JAAS_PATH}`,
    // The SASL identity with super rights; its password is in the JAAS Server section (notes §3.2).
    `-Dzookeeper.superUser=${SUPER_USER}`,
    // Unit addresses are IPv4; without this Java may bind or resolve on IPv6 first.
    "-Djava.net.preferIPv4Stack=true",
    // A JVM out of memory is in an unknown state; exit and let systemd's Restart=on-failure start a
    // clean one rather than keep a member that answers ruok but cannot serve.
    "-XX:+ExitOnOutOfMemoryError",
    // Hard quotas (ZooKeeper >= 3.7): a create or write beyond a chroot's countHardLimit or
    // byteHardLimit fails with QuotaExceeded, so one client cannot exhaust every server's heap.
    // A JVM flag, not a zoo.cfg key: ZooKeeperServer reads it once, when the class loads.
    "-Dzookeeper.enforceQuota=true",
    // A server that looked for a leader alone (cut off, on the minority side of a partition) backs
    // off between election rounds up to this cap (ZooKeeper's default: 60 s), so after the network
    // heals it may wait that long before it asks again. 5 s: measured, a partitioned leader was
    // back 40 s after healing with the default.
    `-Dzookeeper.fastleader.maxNotificationInterval=${MAX_ELECTION_NOTIFICATION_INTERVAL_MS}`,
  ];
}
