/**
 * The static zoo.cfg: rendering it, reading it back, and deciding whether the one on disk differs.
 *
 * ZooKeeper owns membership: with `reconfigEnabled=true` it keeps `server.N` lines in
 * `zoo.cfg.dynamic.<version-hex>` and, after each reconfig, rewrites this file itself: keys reordered,
 * comments dropped, `server.*`/`group*`/`weight*`/`peerType`/`clientPort*` removed and
 * `dynamicConfigFile` pointed at the newest dynamic file (zookeeper-notes §3.1;
 * `QuorumPeerConfig.editStaticConfig` in 3.8). So the charm renders only static keys, compares
 * semantically, and never overwrites ZooKeeper's `dynamicConfigFile`.
 */
import {
  DATA_DIR,
  DATA_LOG_DIR,
  INITIAL_DYNAMIC_CONFIG_PATH,
  PORTS,
  SUPER_USER,
  ZOO_CFG_PATH,
} from "./paths";

/**
 * Where an ensemble stands in upstream's no-downtime move to TLS ("Upgrading existing non-TLS
 * cluster with no downtime"), each step a rolling restart: `unify` — every server takes TLS and
 * plaintext quorum connections (portUnification) and serves TLS clients, but still speaks plaintext
 * to its peers; `quorum` — every server speaks TLS to its peers, still accepting plaintext; `on` —
 * TLS only between servers. Switching off walks the same steps back.
 */
export type TlsPhase = "unify" | "quorum" | "on";

export interface ZooCfgTls {
  readonly phase: TlsPhase;
  /** PEM: the unit's PKCS#8 key, then its certificate chain. */
  readonly keyStore: string;
  /** PEM: the CA (and intermediates) that sign every server's certificate. */
  readonly trustStore: string;
  /** The unit's address: the secure port binds it alone, as the dynamic config binds the others. */
  readonly address: string;
  /** Whether TLS clients must present a certificate (ssl.clientAuth); `none` when absent. */
  readonly clientAuth?: "none" | "want" | "need";
}

export interface ZooCfgInput {
  readonly tickTime: number;
  readonly initLimit: number;
  readonly syncLimit: number;
  readonly autopurgeSnapRetainCount: number;
  readonly autopurgePurgeInterval: number;
  /**
   * base64(sha1("super:<password>")), WITHOUT the `super:` prefix (zookeeper-notes §3.2); computed
   * by the caller so this module stays free of crypto and secrets.
   */
  readonly superDigest: string;
  /** Per-client-IP connection cap (zookeeperAdmin "maxClientCnxns"); ZooKeeper's default 60. */
  readonly maxClientCnxns?: number;
  /** TLS, while the ensemble moves to it, runs it or moves off it. */
  readonly tls?: ZooCfgTls;
}

/** The TLS keys of one phase (zookeeperAdmin "Encryption, Authentication, Authorization Options"). */
function tlsEntries(tls: ZooCfgTls): [string, string | number | boolean][] {
  return [
    // Only Netty serves TLS clients (NIOServerCnxnFactory refuses a secure port).
    ["serverCnxnFactory", "org.apache.zookeeper.server.NettyServerCnxnFactory"],
    ["secureClientPort", PORTS.secureClient],
    ["secureClientPortAddress", tls.address],
    // The plaintext port takes TLS handshakes too: a client that follows /zookeeper/config, which can
    // only name the plaintext port (Curator's ensemble tracker), stays on TLS.
    ["client.portUnification", true],
    ["ssl.keyStore.location", tls.keyStore],
    ["ssl.keyStore.type", "PEM"],
    ["ssl.trustStore.location", tls.trustStore],
    ["ssl.trustStore.type", "PEM"],
    ["ssl.clientAuth", tls.clientAuth ?? "none"],
    // ZooKeeper >= 3.9 (and 3.8.5) reload the client port's certificate when the file changes.
    ["client.certReload", true],
    // Between servers: mutual TLS with the same key and CA (ssl.quorum.clientAuth defaults to need).
    ["ssl.quorum.keyStore.location", tls.keyStore],
    ["ssl.quorum.keyStore.type", "PEM"],
    ["ssl.quorum.trustStore.location", tls.trustStore],
    ["ssl.quorum.trustStore.type", "PEM"],
    // A peer connects from whatever source address its kernel picks, which need not be the one in
    // its certificate; peers are authenticated by the CA and by quorum SASL instead.
    ["ssl.quorum.hostnameVerification", false],
    ["sslQuorumReloadCertFiles", true],
    ["sslQuorum", tls.phase !== "unify"],
    ["portUnification", tls.phase !== "on"],
  ];
}

const HEADER = [
  "# Managed by the zookeeper Juju charm; local edits are overwritten.",
  "# ZooKeeper rewrites this file after every reconfig (keys reordered, comments dropped) and",
  `# points dynamicConfigFile at its newest ${ZOO_CFG_PATH}.dynamic.<version> file; both are expected.`,
];

/**
 * `sha1` is 20 bytes → 28 base64 characters ending in one `=`. Checking the shape catches a caller
 * passing `super:<digest>` or a clear-text password, either of which would silently disable the
 * super user (and with it every reconfig the charm makes).
 */
const SHA1_BASE64 = /^[A-Za-z0-9+/]{27}=$/;

/** The whole static zoo.cfg for one unit, in a fixed key order. */
export function renderZooCfg(input: ZooCfgInput): string {
  if (!SHA1_BASE64.test(input.superDigest)) {
    throw new TypeError(
      "zoo.cfg: superDigest must be base64(sha1('super:<password>')) without a 'super:' prefix",
    );
  }
  const entries: [string, string | number | boolean][] = [
    ["tickTime", input.tickTime],
    ["initLimit", input.initLimit],
    ["syncLimit", input.syncLimit],
    ["dataDir", DATA_DIR],
    ["dataLogDir", DATA_LOG_DIR],
    // Only the first render's value matters: mergeZooCfg keeps whatever ZooKeeper points it at later.
    ["dynamicConfigFile", INITIAL_DYNAMIC_CONFIG_PATH],
    // Membership changes go through reconfig; a lone unit runs the quorum stack so it can grow from
    // 1 and shrink to 1 (zookeeper-notes §3.1).
    ["reconfigEnabled", true],
    ["standaloneEnabled", false],
    // Quorum and election listeners bind only to the address in this unit's server.N line, so
    // several units can share a host on distinct addresses (zookeeper-notes §4).
    ["quorumListenOnAllIPs", false],
    ["maxClientCnxns", input.maxClientCnxns ?? 60],
    // ZooKeeper's own defaults (2 and 20 ticks, zookeeperAdmin), written out so they follow
    // tick-time and can never be inverted the way fixed values (Python: 4000/40000) can.
    ["minSessionTimeout", 2 * input.tickTime],
    ["maxSessionTimeout", 20 * input.tickTime],
    // On by default: the Python charm leaves purgeInterval=0 and disks fill (reference-charm §7.3 #10).
    ["autopurge.snapRetainCount", input.autopurgeSnapRetainCount],
    ["autopurge.purgeInterval", input.autopurgePurgeInterval],
    // srvr/mntr tell serving and sync state, ruok only liveness, conf the membership (notes §3.9).
    ["4lw.commands.whitelist", "srvr,mntr,ruok,conf"],
    // No AdminServer. ZooKeeper 3.8's has no authentication: any caller could read
    // `system_properties` (which holds the super digest, since zoo.cfg keys become system
    // properties), list sessions, watches and client addresses, and call mutating commands. The
    // charm needs none of it: srvr, mntr and conf above tell serving, sync and membership.
    ["admin.enableServer", false],
    // Quorum SASL DIGEST-MD5 between servers, JAAS sections QuorumServer/QuorumLearner (notes §3.7).
    ["quorum.auth.enableSasl", true],
    ["quorum.auth.learnerRequireSasl", true],
    ["quorum.auth.serverRequireSasl", true],
    // Unknown zoo.cfg keys become `zookeeper.<key>` system properties (notes §3.1), which is how the
    // next four take effect from here rather than from JVM flags.
    ["authProvider.sasl", "org.apache.zookeeper.server.auth.SASLAuthenticationProvider"],
    ["enforce.auth.enabled", true],
    // `digest` stays allowed because the charm's Node client (node-zookeeper-client) has no SASL and
    // administers ZooKeeper through the superDigest user (notes §3.7, §5.2).
    ["enforce.auth.schemes", "sasl,digest"],
    // In zoo.cfg (0640, directory 0750) rather than `-D` on the command line, which `ps` shows to
    // every local user.
    ["DigestAuthenticationProvider.superDigest", `${SUPER_USER}:${input.superDigest}`],
    ...(input.tls ? tlsEntries(input.tls) : []),
  ];
  const lines = entries.map(([key, value]) => {
    const text = String(value);
    // A line break would smuggle extra keys into the file; whitespace would be trimmed by the parser.
    if (/\s/.test(text)) throw new TypeError(`zoo.cfg: ${key} must not contain whitespace`);
    return `${key}=${text}`;
  });
  return `${[...HEADER, ...lines].join("\n")}\n`;
}

/**
 * Reads a zoo.cfg the way java.util.Properties does for the files ZooKeeper and this module write:
 * `#`/`!` comments and blank lines skipped, key ended by the first `=`, `:` or whitespace, key and
 * value trimmed, the last occurrence of a key winning. Backslash line continuations and escapes are
 * not interpreted; neither writer produces them.
 */
export function parseZooCfg(text: string): Map<string, string> {
  const entries = new Map<string, string>();
  for (const rawLine of text.split(/\r?\n/)) {
    const line = rawLine.trim();
    if (line === "" || line.startsWith("#") || line.startsWith("!")) continue;
    const match = /^([^=:\s]+)\s*[=:]?\s*(.*)$/.exec(line);
    if (match === null) continue;
    entries.set(match[1]!, match[2]!.trim());
  }
  return entries;
}

/**
 * Keys ZooKeeper adds, removes or rewrites on its own (`editStaticConfig` drops `server.*`, `group*`,
 * `weight*`, `peerType`, `dynamicConfigFile` and, when the client address moved into the dynamic
 * file, every `clientPort*` key; `version` belongs to the dynamic file). A difference in them is
 * ZooKeeper at work, not drift. `secureClientPort` is deliberately NOT ignored, unlike the Python
 * charm (reference-charm §3.1, §3.6): ZooKeeper never rewrites it (zookeeper-notes §3.6), so ignoring
 * it would hide a TLS change that needs a restart.
 */
const ZOOKEEPER_OWNED_PREFIXES = [
  "server.",
  "group",
  "weight",
  "peerType",
  "dynamicConfigFile",
  "clientPort",
];

function isOwnedByZooKeeper(key: string): boolean {
  return key === "version" || ZOOKEEPER_OWNED_PREFIXES.some((prefix) => key.startsWith(prefix));
}

/**
 * The static keys whose values differ between the zoo.cfg on disk and the desired one: desired keys
 * first in their order, then keys only the current file has. Empty means "nothing to write, nothing
 * to restart for", whatever ZooKeeper did to the file's order and comments.
 */
export function staticConfigChanges(currentText: string, desiredText: string): string[] {
  const current = parseZooCfg(currentText);
  const desired = parseZooCfg(desiredText);
  const keys = new Set([...desired.keys(), ...current.keys()]);
  return [...keys].filter((key) => !isOwnedByZooKeeper(key) && current.get(key) !== desired.get(key));
}

/**
 * The zoo.cfg to write: the desired text, but with the current file's `dynamicConfigFile` value when it
 * has one. After a reconfig ZooKeeper points that key at `zoo.cfg.dynamic.<version>`; writing back the
 * initial path would restart the server on a stale membership (reference-charm §3.1 keeps it too).
 * Write it only when `staticConfigChanges` is non-empty (or no file exists yet), since ZooKeeper's
 * rewrites make the texts differ even when nothing meaningful did.
 */
export function mergeZooCfg(currentText: string | undefined, desiredText: string): string {
  const currentDynamic =
    currentText === undefined ? undefined : parseZooCfg(currentText).get("dynamicConfigFile");
  if (currentDynamic === undefined || currentDynamic === "") return desiredText;
  const line = `dynamicConfigFile=${currentDynamic}`;
  const lines = desiredText.split("\n");
  const index = lines.findIndex((l) => parseZooCfg(l).has("dynamicConfigFile"));
  if (index === -1) {
    const body = desiredText.endsWith("\n") ? desiredText : `${desiredText}\n`;
    return `${body}${line}\n`;
  }
  lines[index] = line;
  return lines.join("\n");
}
