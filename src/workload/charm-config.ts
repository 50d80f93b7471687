/**
 * The charm's config options: types, defaults, descriptions and validation rules, in one place.
 * `parseConfig` (lib/juju/config.ts) turns an invalid value into a problem naming the option, so the
 * charm goes `blocked` instead of failing every hook as the Python charm does with a pydantic
 * ValidationError (reference-charm §1.1, §7.3 item 13). charmcraft.yaml's `config:` section must
 * equal `declaredOptions(CHARM_CONFIG_SPEC)`; a unit test enforces it.
 */
import type { BooleanOption, ConfigValues, IntOption, StringOption } from "../../lib/juju";

/** The charm's log levels, spelled as the Python charm spells them (case-sensitive). */
export const LOG_LEVELS = ["DEBUG", "INFO", "WARNING", "ERROR"] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** The problem text the framework prefixes with the option name, e.g. "init-limit must be ...". */
function intBetween(min: number, max: number, why = ""): (value: number) => string | undefined {
  return (value) =>
    value >= min && value <= max ? undefined : `must be between ${min} and ${max}${why ? ` (${why})` : ""}`;
}

function oneOf(allowed: readonly string[]): (value: string) => string | undefined {
  return (value) =>
    allowed.includes(value) ? undefined : `must be one of ${allowed.join(", ")} (case-sensitive)`;
}

/**
 * ZooKeeper multiplies `tickTime` by initLimit/syncLimit in Java `int` arithmetic (Learner/Leader
 * socket timeouts); 10000 ticks × the 60000 ms tick ceiling stays far below 2^31, so no accepted
 * combination can overflow into a negative timeout.
 */
const MAX_LIMIT_TICKS = 10_000;

/**
 * A type alias, not an interface: it must be assignable to `ConfigSpec`'s index signature while
 * keeping exact keys, so `CharmConfig["tick-time"]` is a number and a misspelt option is a type error.
 */
export type CharmConfigSpec = {
  readonly "init-limit": IntOption;
  readonly "sync-limit": IntOption;
  readonly "tick-time": IntOption;
  readonly "log-level": StringOption;
  readonly "autopurge-snap-retain-count": IntOption;
  readonly "autopurge-purge-interval": IntOption;
  readonly "heap-size-mb": IntOption;
  readonly "client-quota-bytes": IntOption;
  readonly "client-quota-znodes": IntOption;
  readonly "certificate-include-ip-sans": BooleanOption;
  readonly "tls-client-auth": StringOption;
};

export const CHARM_CONFIG_SPEC: CharmConfigSpec = {
  "init-limit": {
    type: "int",
    default: 5,
    description:
      "Ticks (tick-time) a follower may take to connect to the leader and sync with it (zoo.cfg initLimit). " +
      "Raise it when the data set is large. Between 1 and 10000.",
    // ZooKeeper itself refuses initLimit=0 ("initLimit is not set", QuorumPeerConfig.checkValidity).
    check: intBetween(1, MAX_LIMIT_TICKS),
  },
  "sync-limit": {
    type: "int",
    default: 2,
    description:
      "Ticks (tick-time) a follower may lag behind the leader before it is dropped (zoo.cfg syncLimit). " +
      "Between 1 and 10000.",
    check: intBetween(1, MAX_LIMIT_TICKS),
  },
  "tick-time": {
    type: "int",
    default: 2000,
    description:
      "ZooKeeper's basic time unit in milliseconds (zoo.cfg tickTime). Heartbeats, init-limit, sync-limit " +
      "and the session timeout bounds (2 and 20 ticks) are multiples of it. Between 100 and 60000.",
    // Below 100 ms the minimum session timeout (2 ticks) is shorter than an ordinary JVM GC pause, so
    // clients' sessions expire spuriously; above 60 s a dead follower takes minutes (sync-limit ticks)
    // to be noticed and the maximum session timeout (20 ticks) exceeds 20 minutes.
    check: intBetween(100, 60_000, "milliseconds"),
  },
  "log-level": {
    type: "string",
    default: "INFO",
    description: "ZooKeeper's log level: one of DEBUG, INFO, WARNING, ERROR.",
    check: oneOf(LOG_LEVELS),
  },
  "autopurge-snap-retain-count": {
    type: "int",
    default: 3,
    description:
      "How many recent snapshots (and their transaction logs) autopurge keeps (zoo.cfg " +
      "autopurge.snapRetainCount). Between 3 and 1000.",
    // zookeeperAdmin "autopurge.snapRetainCount": "Minimum value is 3". ZooKeeper silently raises a
    // smaller value to 3; rejecting it tells the operator instead. The ceiling only guards typos.
    check: intBetween(3, 1000),
  },
  "autopurge-purge-interval": {
    type: "int",
    default: 1,
    description:
      "Hours between autopurge runs, which delete old snapshots and transaction logs (zoo.cfg " +
      "autopurge.purgeInterval), between 0 and 8760. 0 disables autopurge, and the data disk then grows " +
      "without bound.",
    // On by default: the Python charm renders purgeInterval=0 and disks fill (reference-charm §7.3
    // item 10). One year is a generous ceiling that stays well inside Java int.
    check: intBetween(0, 8760, "hours; 0 disables"),
  },
  "heap-size-mb": {
    type: "int",
    default: 1024,
    description:
      "JVM heap in MiB, used for both -Xms and -Xmx. ZooKeeper keeps the whole data tree in memory; size " +
      "it to the data set plus headroom. Between 128 and 65536.",
    // Without an explicit -Xmx the JVM takes 1/4 of RAM per server (zookeeper-notes §4). 128 MiB is the
    // smallest heap that comfortably holds the server and a modest data tree;
    // 64 GiB is beyond any sane ZooKeeper tree and catches a typo'd extra digit.
    check: intBetween(128, 65_536, "MiB"),
  },
  // One client must not be able to fill every server's heap (ZooKeeper keeps the whole tree in
  // memory): 64 MiB of data and 100 000 znodes hold any Kafka 3.x, Solr or HBase metadata tree.
  "client-quota-bytes": {
    type: "int",
    default: 67_108_864,
    description:
      "Hard quota on the data bytes under each client's chroot (ZooKeeper counts znode data, not names), " +
      "enforced by ZooKeeper; a write past it fails with QuotaExceeded and the ensemble is unharmed. " +
      "Keep heap-size-mb above the sum over clients. 0 turns the byte quota off. Between 0 and 17179869184 (16 GiB).",
    check: intBetween(0, 17_179_869_184, "bytes"),
  },
  "client-quota-znodes": {
    type: "int",
    default: 100_000,
    description:
      "Hard quota on the number of znodes under each client's chroot (the chroot itself included), " +
      "enforced by ZooKeeper; a create past it fails with QuotaExceeded. 0 turns the count quota off. " +
      "Between 0 and 100000000.",
    check: intBetween(0, 100_000_000),
  },
  "certificate-include-ip-sans": {
    type: "boolean",
    default: true,
    description:
      "With the certificates relation, request a certificate whose subject and SANs hold this unit's IP " +
      "address (as well as its host name). Turn it off only where clients and servers reach each other by " +
      "DNS name.",
  },
  "tls-client-auth": {
    type: "string",
    default: "none",
    description:
      "With TLS on: whether clients of the secure port 2182 must present a certificate signed by the same CA " +
      "(ZooKeeper's ssl.clientAuth): none, want (asked, not required) or need (mutual TLS). SASL is required " +
      "either way.",
    check: oneOf(["none", "want", "need"]),
  },
};

export type CharmConfig = ConfigValues<CharmConfigSpec>;

/** Narrows a validated `log-level` value; parseConfig has already rejected anything else. */
export function isLogLevel(value: string): value is LogLevel {
  return (LOG_LEVELS as readonly string[]).includes(value);
}
