/**
 * Takes the 4lw observations the health rules need (member-health.ts), in parallel, each probe with
 * its own deadline, so one stopped or unreachable server costs at most one timeout.
 */
import { clientEndpoint, type EnsembleConfig, type ServerSpec } from "./ensemble-config";
import type { SrvrReport } from "./four-letter-word-parsers";
import { type ProbeOptions, probeMntr, probeRuok, probeSrvr } from "./four-letter-words";
import {
  type EnsembleHealth,
  evaluateEnsembleHealth,
  evaluateMemberHealth,
  type MemberHealth,
  type MemberProbe,
} from "./member-health";

export interface EnsembleProbeOptions extends ProbeOptions {
  /** Where to reach a config server; default: its client address and port from the config. */
  readonly endpointOf?: (spec: ServerSpec) => string | undefined;
}

export interface LeaderInfo {
  readonly endpoint: string;
  readonly srvr: SrvrReport;
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** `ruok` and `srvr` (and `mntr` when asked) of one server; never rejects. */
export async function probeServer(
  endpoint: string | undefined,
  options: ProbeOptions & { readonly mntr?: boolean } = {},
): Promise<MemberProbe> {
  if (endpoint === undefined) {
    return { endpoint, alive: false, srvr: undefined, error: "no client port in the config" };
  }
  const [ruok, srvr, mntr] = await Promise.allSettled([
    probeRuok(endpoint, options),
    probeSrvr(endpoint, options),
    options.mntr ? probeMntr(endpoint, options) : Promise.resolve(undefined),
  ]);
  const failure = [ruok, srvr, mntr].find((r) => r.status === "rejected");
  return {
    endpoint,
    alive: ruok.status === "fulfilled" && ruok.value,
    srvr: srvr.status === "fulfilled" ? srvr.value : undefined,
    mntr: mntr.status === "fulfilled" ? mntr.value : undefined,
    error: failure?.status === "rejected" ? describe(failure.reason) : undefined,
  };
}

/**
 * The server that reports `Mode: leader`, probing all in parallel. If several do (a deposed leader
 * that has not noticed yet), the one with the highest zxid. Undefined when none does.
 */
export async function findLeader(
  endpoints: readonly string[],
  options: ProbeOptions = {},
): Promise<LeaderInfo | undefined> {
  const results = await Promise.allSettled(endpoints.map((endpoint) => probeSrvr(endpoint, options)));
  let best: LeaderInfo | undefined;
  results.forEach((result, index) => {
    const endpoint = endpoints[index];
    if (endpoint === undefined || result.status !== "fulfilled") return;
    const srvr = result.value;
    if (!srvr.serving || srvr.mode !== "leader") return;
    if (!best || (srvr.zxid ?? -1n) > (best.srvr.zxid ?? -1n)) best = { endpoint, srvr };
  });
  return best;
}

/** Probes every server of the committed config, then the leader's mntr, and evaluates. */
export async function checkEnsembleHealth(
  config: EnsembleConfig,
  options: EnsembleProbeOptions = {},
): Promise<EnsembleHealth> {
  const endpointOf = options.endpointOf ?? clientEndpoint;
  const probes = new Map<number, MemberProbe>();
  await Promise.all(
    config.servers.map(async (spec) => {
      probes.set(spec.id, await probeServer(endpointOf(spec), options));
    }),
  );
  const claimedLeaders = [...probes.entries()].filter(([, p]) => p.srvr?.serving && p.srvr.mode === "leader");
  // Only the leader has the synced-follower counts; ask each claimed leader (normally one).
  await Promise.all(
    claimedLeaders.map(async ([id, probe]) => {
      if (probe.endpoint === undefined) return;
      try {
        probes.set(id, { ...probe, mntr: await probeMntr(probe.endpoint, options) });
      } catch (error) {
        probes.set(id, { ...probe, error: describe(error) });
      }
    }),
  );
  return evaluateEnsembleHealth(config, probes);
}

/**
 * Whether server `id` is a synced member. For a server not in the config (a joiner), pass its
 * endpoint; the answer is then "no" with the reason, plus what its probe saw.
 */
export async function checkMemberHealth(
  config: EnsembleConfig,
  id: number,
  options: EnsembleProbeOptions & { readonly endpoint?: string } = {},
): Promise<MemberHealth> {
  const ensemble = await checkEnsembleHealth(config, options);
  const member = ensemble.members.find((m) => m.id === id);
  if (member && options.endpoint === undefined) return member;
  const probe = await probeServer(options.endpoint ?? member?.endpoint, options);
  return evaluateMemberHealth(config, ensemble, id, probe);
}
