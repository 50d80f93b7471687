/**
 * What happened to the servers while a phase ran, for the availability timelines: every ~100 ms it
 * reads each unit's ZooKeeper service from the emulator (the JVM's pid and systemd state: a stop
 * begins, a new pid is a restart or a first start), asks every server `srvr` (serving or not, and who
 * leads) and notes units joining and leaving the model. It runs in the controller's process but only
 * reads: the pid poll is a map lookup, the srvr poll one short TCP exchange per server, so the writer
 * (its own process) and the emulator barely notice it.
 */
import { parseSrvr, sendFourLetterWord } from "../lib/zookeeper";
import type { Controller } from "../tests/sim/controller";
import { now, sleep } from "./stats";
import type { WriterLog } from "./writer";

/** How often the poller looks (ms). Events are detected up to this late. */
export const POLL_MS = 100;
/** A srvr probe without an answer within this counts the server as not serving. */
const PROBE_TIMEOUT_MS = 500;

export type TimelineEventKind =
  /** The service began to stop (systemd state deactivating) or its JVM vanished. */
  | "stop"
  /** A new JVM pid for a unit whose server ran before: a restart completed (process started). */
  | "restart"
  /** A unit's first JVM. */
  | "start"
  /** ZooKeeper's leader changed; `unit` is the new leader, undefined while no server leads. */
  | "leader"
  /** The server answers srvr with a Mode (it has a quorum), or stopped doing so. */
  | "serving"
  | "not-serving"
  /** A unit appeared in, or disappeared from, the model. */
  | "added"
  | "removed";

export interface TimelineEvent {
  /** Epoch ms while polling; ms after the operation in a {@link PhaseTrace}. */
  readonly at: number;
  readonly kind: TimelineEventKind;
  readonly unit: string | undefined;
}

/** The state when polling began. */
export interface TimelineStart {
  readonly units: string[];
  readonly leader: string | undefined;
  readonly serving: string[];
}

/** One phase as the timeline figure draws it; times in ms after the operation started. */
export interface PhaseTrace {
  /** The window drawn: a short lead before the operation, until the writer stopped. */
  readonly fromMs: number;
  readonly toMs: number;
  /** When the last hook the operation caused ended. */
  readonly settledMs: number;
  readonly start: TimelineStart;
  readonly events: TimelineEvent[];
  /** Completion times of successful writes (whole ms). */
  readonly ok: number[];
  readonly failed: { at: number; error: string }[];
}

export interface TimelinePoller {
  /** Stops polling; the events so far, times in epoch ms. */
  stop(): Promise<{ start: TimelineStart; events: TimelineEvent[] }>;
}

interface ServerState {
  pid: number | undefined;
  everRan: boolean;
  stopping: boolean;
}

/** Polls the units of `app` until stopped; resolves once the first srvr round has answered. */
export async function startTimeline(controller: Controller, app: string): Promise<TimelinePoller> {
  const events: TimelineEvent[] = [];
  const servers = new Map<string, ServerState>();
  const serving = new Set<string>();
  let leader: string | undefined;
  let running = true;

  const unitNames = () => controller.unitsOf(app).map((unit) => unit.name);
  const service = (unit: string): { pid: number | undefined; stopping: boolean } => {
    try {
      const manager = controller.serviceManager(unit);
      return {
        pid: manager.mainPid("zookeeper"),
        stopping: manager.activeState("zookeeper") === "deactivating",
      };
    } catch {
      // The unit or its machine is gone (or not there yet).
      return { pid: undefined, stopping: false };
    }
  };

  const pollServices = (record: boolean): void => {
    const at = now();
    const present = new Set(unitNames());
    for (const unit of present) {
      if (!servers.has(unit)) {
        const { pid } = service(unit);
        servers.set(unit, {
          pid: record ? undefined : pid,
          everRan: !record && pid !== undefined,
          stopping: false,
        });
        if (record) events.push({ at, kind: "added", unit });
      }
    }
    for (const [unit, state] of servers) {
      const gone = !present.has(unit);
      const { pid, stopping } = gone ? { pid: undefined, stopping: false } : service(unit);
      if (pid !== undefined && pid !== state.pid) {
        if (state.pid !== undefined && !state.stopping) events.push({ at, kind: "stop", unit });
        events.push({ at, kind: state.everRan ? "restart" : "start", unit });
        state.everRan = true;
        state.stopping = false;
      } else if (state.pid !== undefined && !state.stopping && (stopping || pid === undefined)) {
        events.push({ at, kind: "stop", unit });
        state.stopping = true;
      }
      if (pid === undefined && !stopping) state.stopping = false;
      state.pid = pid;
      if (gone) {
        events.push({ at, kind: "removed", unit });
        servers.delete(unit);
      }
    }
  };

  const pollServers = async (record: boolean): Promise<void> => {
    const units = controller.unitsOf(app).filter((unit) => unit.address);
    const reports = await Promise.all(
      units.map(async (unit) => {
        const text = await sendFourLetterWord(`${unit.address}:2181`, "srvr", {
          timeoutMs: PROBE_TIMEOUT_MS,
        }).catch(() => "");
        return { unit: unit.name, srvr: parseSrvr(text) };
      }),
    );
    const at = now();
    for (const { unit, srvr } of reports) {
      if (srvr.serving === serving.has(unit)) continue;
      if (srvr.serving) serving.add(unit);
      else serving.delete(unit);
      if (record) events.push({ at, kind: srvr.serving ? "serving" : "not-serving", unit });
    }
    for (const unit of serving) {
      if (!units.some((candidate) => candidate.name === unit)) {
        serving.delete(unit);
        if (record) events.push({ at, kind: "not-serving", unit });
      }
    }
    // Right after an election (or a reconfig that removes the leader) the old leader can still say
    // leader for a moment: the one of the newest epoch (the zxid's high 32 bits) is the leader.
    const epoch = (zxid: bigint | undefined) => (zxid ?? 0n) >> 32n;
    const claims = reports.filter(({ srvr }) => srvr.mode === "leader" || srvr.mode === "standalone");
    let newest = -1n;
    for (const { srvr } of claims) if (epoch(srvr.zxid) > newest) newest = epoch(srvr.zxid);
    const leaders = claims.filter(({ srvr }) => epoch(srvr.zxid) === newest).map(({ unit }) => unit);
    const next = leader !== undefined && leaders.includes(leader) ? leader : leaders[0];
    if (next !== leader && record) events.push({ at, kind: "leader", unit: next });
    leader = next;
  };

  pollServices(false);
  await pollServers(false);
  const start: TimelineStart = { units: [...servers.keys()], leader, serving: [...serving] };
  const timer = setInterval(() => pollServices(true), POLL_MS);
  const loop = (async () => {
    while (running) {
      const began = now();
      await pollServers(true);
      await sleep(Math.max(0, POLL_MS - (now() - began)));
    }
  })();
  return {
    async stop() {
      running = false;
      clearInterval(timer);
      await loop;
      return { start, events: events.sort((a, b) => a.at - b.at) };
    },
  };
}

/** The lead drawn before the operation (ms): the writer's steady state, for comparison. */
export const LEAD_MS = 500;

/** A phase's trace: the poller's events and the writer's log, relative to the operation's start. */
export function phaseTrace(
  polled: { start: TimelineStart; events: TimelineEvent[] },
  log: WriterLog,
  started: number,
  settled: number,
  to: number,
): PhaseTrace {
  const from = started - LEAD_MS;
  const inWindow = (at: number) => at >= from && at <= to;
  const rel = (at: number) => Math.round(at - started);
  return {
    fromMs: -LEAD_MS,
    toMs: rel(to),
    settledMs: rel(settled),
    start: polled.start,
    events: polled.events
      .filter((event) => inWindow(event.at))
      .map((event) => ({ ...event, at: rel(event.at) })),
    ok: log.ok.filter(inWindow).map(rel),
    failed: log.failed
      .filter((failure) => inWindow(failure.at))
      .map((failure) => ({ at: rel(failure.at), error: failure.error })),
  };
}
