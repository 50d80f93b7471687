/**
 * Parsers for four-letter-word replies (pure; the socket side is in four-letter-words.ts).
 *
 * Health semantics (notes §3.9, tested): `ruok` answers `imok` even without quorum, so it only proves
 * the JVM is alive; `srvr`/`mntr` answer "This ZooKeeper instance is not currently serving requests"
 * when the server has no quorum; `Mode:` and `zk_server_state` say leader/follower/observer. A
 * non-voting follower (a joiner not yet in the config) also says `follower`, so membership must come
 * from `/zookeeper/config`.
 */
import { type EnsembleConfig, parseEnsembleConfig } from "./ensemble-config";

/** The exact sentence ZooKeeper prints for srvr/mntr/stat/conf… while it has no quorum. */
export const NOT_SERVING_TEXT = "This ZooKeeper instance is not currently serving requests";

export type ServerMode = "leader" | "follower" | "observer" | "standalone";

export interface SrvrReport {
  /** False when the server printed {@link NOT_SERVING_TEXT} (no quorum, still electing, …). */
  readonly serving: boolean;
  /** From `Mode:`; undefined when not serving or not recognised (e.g. `read-only`). */
  readonly mode: ServerMode | undefined;
  /** The `Mode:` text as printed. */
  readonly modeText: string | undefined;
  /** e.g. `3.8.0-${mvngit.commit.id}, built on …` (Debian), so kept as printed (notes §3.9). */
  readonly version: string | undefined;
  readonly zxid: bigint | undefined;
  readonly latency: { readonly min: number; readonly avg: number; readonly max: number } | undefined;
  readonly received: number | undefined;
  readonly sent: number | undefined;
  readonly connections: number | undefined;
  readonly outstanding: number | undefined;
  readonly nodeCount: number | undefined;
  /** Every `Key: value` line as printed. */
  readonly fields: Readonly<Record<string, string>>;
}

export interface MntrReport {
  readonly serving: boolean;
  /** Every `zk_*` key; values that are numbers are parsed as numbers. */
  readonly values: Readonly<Record<string, number | string>>;
  /** `zk_server_state`: leader, follower, observer, standalone. */
  readonly serverState: string | undefined;
  /** `zk_peer_state`, e.g. `leading - broadcast`, `following - broadcast`. */
  readonly peerState: string | undefined;
  /** Leader only: synced followers, voting and non-voting (notes §3.9). */
  readonly syncedFollowers: number | undefined;
  /** Leader only: synced followers that are not in the voting config (joiners). */
  readonly syncedNonVotingFollowers: number | undefined;
  /** Leader only. */
  readonly syncedObservers: number | undefined;
  /** Leader only: connected learners of any kind. */
  readonly learners: number | undefined;
  /** Leader only: votes needed for a quorum. */
  readonly quorumSize: number | undefined;
  /** Leader only. */
  readonly pendingSyncs: number | undefined;
  readonly zxid: bigint | undefined;
  readonly version: string | undefined;
}

export interface ConfReport {
  readonly serving: boolean;
  /** Every `key=value` line except the membership lines. */
  readonly values: Readonly<Record<string, string>>;
  /**
   * The membership this server last committed (`server.N=` lines and `version=`), readable without a
   * session; undefined when not serving.
   */
  readonly ensemble: EnsembleConfig | undefined;
}

function isNotServing(text: string): boolean {
  return text.includes(NOT_SERVING_TEXT);
}

function int(text: string | undefined): number | undefined {
  if (text === undefined || !/^-?\d+$/.test(text.trim())) return undefined;
  return Number(text.trim());
}

function zxid(text: string | undefined): bigint | undefined {
  if (text === undefined) return undefined;
  const t = text.trim();
  if (/^0x[0-9a-fA-F]+$/.test(t)) return BigInt(t);
  if (/^\d+$/.test(t)) return BigInt(t);
  return undefined;
}

const MODES: readonly ServerMode[] = ["leader", "follower", "observer", "standalone"];

function asMode(text: string | undefined): ServerMode | undefined {
  return MODES.find((m) => m === text?.trim());
}

export function parseSrvr(text: string): SrvrReport {
  const fields: Record<string, string> = {};
  for (const line of text.split(/\r?\n/)) {
    const colon = line.indexOf(":");
    if (colon <= 0) continue;
    const key = line.slice(0, colon).trim();
    if (key in fields) continue;
    fields[key] = line.slice(colon + 1).trim();
  }
  const serving = !isNotServing(text) && fields.Mode !== undefined;
  const latencyParts = fields["Latency min/avg/max"]?.split("/").map(Number);
  const latency =
    latencyParts?.length === 3 && latencyParts.every((n) => Number.isFinite(n))
      ? { min: latencyParts[0] ?? 0, avg: latencyParts[1] ?? 0, max: latencyParts[2] ?? 0 }
      : undefined;
  return {
    serving,
    mode: serving ? asMode(fields.Mode) : undefined,
    modeText: fields.Mode,
    version: fields["Zookeeper version"],
    zxid: zxid(fields.Zxid),
    latency,
    received: int(fields.Received),
    sent: int(fields.Sent),
    connections: int(fields.Connections),
    outstanding: int(fields.Outstanding),
    nodeCount: int(fields["Node count"]),
    fields,
  };
}

function mntrValue(text: string): number | string {
  const t = text.trim();
  return /^-?\d+(\.\d+)?([eE][-+]?\d+)?$/.test(t) ? Number(t) : t;
}

export function parseMntr(text: string): MntrReport {
  const values: Record<string, number | string> = {};
  const raw: Record<string, string> = {};
  for (const line of text.split(/\r?\n/)) {
    // `key<TAB>value`; values may contain spaces (zk_version, zk_peer_state).
    const match = /^(zk_\w+)\s+(.*)$/.exec(line.trim());
    if (!match?.[1]) continue;
    raw[match[1]] = (match[2] ?? "").trim();
    values[match[1]] = mntrValue(match[2] ?? "");
  }
  const num = (key: string): number | undefined => {
    const v = values[key];
    return typeof v === "number" ? v : undefined;
  };
  return {
    serving: !isNotServing(text) && Object.keys(values).length > 0,
    values,
    serverState: raw.zk_server_state,
    peerState: raw.zk_peer_state,
    syncedFollowers: num("zk_synced_followers"),
    syncedNonVotingFollowers: num("zk_synced_non_voting_followers"),
    syncedObservers: num("zk_synced_observers"),
    learners: num("zk_learners"),
    quorumSize: num("zk_quorum_size"),
    pendingSyncs: num("zk_pending_syncs"),
    zxid: zxid(raw.zk_zxid),
    version: raw.zk_version,
  };
}

export function parseConf(text: string): ConfReport {
  const values: Record<string, string> = {};
  const membership: string[] = [];
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    const eq = line.indexOf("=");
    if (eq <= 0) continue;
    const key = line.slice(0, eq);
    if (/^server\.\d+$/.test(key) || key === "version") membership.push(line);
    else values[key] = line.slice(eq + 1);
  }
  const ensemble =
    membership.length > 0 ? parseEnsembleConfig(membership.join("\n"), { requireVersion: false }) : undefined;
  return { serving: !isNotServing(text), values, ensemble };
}

/** `ruok` → true when the reply is exactly `imok` (liveness only). */
export function parseRuok(text: string): boolean {
  return text.trim() === "imok";
}
