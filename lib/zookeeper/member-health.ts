/**
 * "Is this server a synced member?" as a pure function of what was observed (probes are taken in
 * ensemble-probe.ts), so the rules are table-testable.
 *
 * A server is a synced member when:
 * 1. it is in the committed config (`/zookeeper/config`) as a participant — `srvr` alone cannot tell,
 *    because a joiner not yet added (a non-voting follower) also reports `Mode: follower` (notes §3.9);
 * 2. it answers and is serving, in mode leader or follower;
 * 3. the ensemble as a whole is synced: the leader's `mntr` shows
 *    zk_synced_followers − zk_synced_non_voting_followers == voters − 1 (the leader does not say which
 *    followers are synced, only how many, so this is a whole-ensemble check).
 */
import { clientEndpoint, type EnsembleConfig, participants, type ServerRole } from "./ensemble-config";
import type { MntrReport, ServerMode, SrvrReport } from "./four-letter-word-parsers";

/** What the probes of one server returned. */
export interface MemberProbe {
  readonly endpoint: string | undefined;
  /** `ruok` answered `imok`. */
  readonly alive: boolean;
  /** Undefined when `srvr` failed (refused, timed out). */
  readonly srvr: SrvrReport | undefined;
  /** Only taken on the leader. */
  readonly mntr?: MntrReport | undefined;
  /** Why a probe failed, for status messages. */
  readonly error?: string | undefined;
}

export interface MemberHealth {
  readonly id: number;
  readonly endpoint: string | undefined;
  /** Undefined when the server is not in the committed config. */
  readonly role: ServerRole | undefined;
  readonly alive: boolean;
  readonly serving: boolean;
  readonly mode: ServerMode | undefined;
  readonly syncedMember: boolean;
  /** Why it is not a synced member (empty when it is). */
  readonly reasons: readonly string[];
}

export interface EnsembleHealth {
  readonly configVersion: bigint;
  /** The config server that reports `Mode: leader` (highest zxid if several do). */
  readonly leaderId: number | undefined;
  /** Participants in the committed config. */
  readonly voters: number;
  /** Leader + synced voting followers, from the leader's mntr; undefined without a leader. */
  readonly syncedVoters: number | undefined;
  readonly syncedNonVotingFollowers: number | undefined;
  readonly syncedObservers: number | undefined;
  readonly votersSynced: boolean;
  /** One per server of the committed config, by id. */
  readonly members: readonly MemberHealth[];
  /** Whole-ensemble problems. */
  readonly reasons: readonly string[];
}

const NO_PROBE: MemberProbe = { endpoint: undefined, alive: false, srvr: undefined };

/** The leader among the probed config servers: highest zxid wins if two claim it (one is stale). */
export function pickLeader(
  config: EnsembleConfig,
  probes: ReadonlyMap<number, MemberProbe>,
): number | undefined {
  let best: { id: number; zxid: bigint } | undefined;
  for (const server of config.servers) {
    const srvr = probes.get(server.id)?.srvr;
    if (!srvr?.serving || srvr.mode !== "leader") continue;
    const zxid = srvr.zxid ?? -1n;
    if (!best || zxid > best.zxid) best = { id: server.id, zxid };
  }
  return best?.id;
}

function memberHealth(
  config: EnsembleConfig,
  id: number,
  probe: MemberProbe,
  ensemble: { votersSynced: boolean; reasons: readonly string[] },
): MemberHealth {
  const spec = config.servers.find((s) => s.id === id);
  const srvr = probe.srvr;
  const serving = srvr?.serving ?? false;
  const mode = srvr?.mode;
  const reasons: string[] = [];
  if (!spec)
    reasons.push(`server.${id} is not in the committed config (version ${config.version.toString(16)})`);
  else if (spec.role !== "participant") reasons.push(`server.${id} is an ${spec.role}, not a voter`);
  if (!probe.alive)
    reasons.push(`server.${id} does not answer ruok${probe.error ? ` (${probe.error})` : ""}`);
  if (!srvr) reasons.push(`server.${id} did not answer srvr`);
  else if (!serving) reasons.push(`server.${id} is not serving requests (no quorum or still joining)`);
  else if (mode !== "leader" && mode !== "follower" && spec?.role !== "observer")
    reasons.push(`server.${id} is in mode ${srvr.modeText ?? "unknown"}`);
  if (!ensemble.votersSynced) reasons.push(...ensemble.reasons);
  return {
    id,
    endpoint: probe.endpoint ?? (spec ? clientEndpoint(spec) : undefined),
    role: spec?.role,
    alive: probe.alive,
    serving,
    mode,
    syncedMember: reasons.length === 0,
    reasons,
  };
}

/** Evaluates every server of the committed config from its probes. */
export function evaluateEnsembleHealth(
  config: EnsembleConfig,
  probes: ReadonlyMap<number, MemberProbe>,
): EnsembleHealth {
  const voters = participants(config).length;
  const leaderId = pickLeader(config, probes);
  const reasons: string[] = [];
  let syncedVoters: number | undefined;
  let syncedNonVotingFollowers: number | undefined;
  let syncedObservers: number | undefined;
  if (leaderId === undefined) {
    reasons.push("no server of the committed config reports Mode: leader");
  } else {
    const mntr = probes.get(leaderId)?.mntr;
    if (!mntr?.serving || mntr.syncedFollowers === undefined) {
      reasons.push(`leader server.${leaderId} gave no mntr sync counts`);
    } else {
      syncedNonVotingFollowers = mntr.syncedNonVotingFollowers ?? 0;
      syncedObservers = mntr.syncedObservers;
      syncedVoters = mntr.syncedFollowers - syncedNonVotingFollowers + 1;
      if (syncedVoters !== voters) {
        reasons.push(`leader server.${leaderId} reports ${syncedVoters} of ${voters} voters synced`);
      }
    }
  }
  const votersSynced = reasons.length === 0;
  const ensemble = { votersSynced, reasons };
  return {
    configVersion: config.version,
    leaderId,
    voters,
    syncedVoters,
    syncedNonVotingFollowers,
    syncedObservers,
    votersSynced,
    members: config.servers.map((s) => memberHealth(config, s.id, probes.get(s.id) ?? NO_PROBE, ensemble)),
    reasons,
  };
}

/**
 * The health of one server id against an already evaluated ensemble — also for a server that is not
 * (yet) in the config, e.g. a joiner, given its own probe.
 */
export function evaluateMemberHealth(
  config: EnsembleConfig,
  ensemble: EnsembleHealth,
  id: number,
  probe: MemberProbe,
): MemberHealth {
  return memberHealth(config, id, probe, ensemble);
}
