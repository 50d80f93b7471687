/**
 * One round of floor measurements on bare servers (floor.ts), in the order the charm's own round
 * runs its scenarios: form 3 servers one after another (the protocol deploy -n 3 follows), stop the
 * leader twice (one leader election, with a client writing), restart the 3 servers one at a time with
 * the leader last, grow to 5 and shrink back to 3 by reconfig.
 */
import { FloorEnsemble } from "./floor";
import { elapsedSince, now } from "./stats";
import { startWriter, type WindowFigures, windowFigures } from "./writer";

export interface FloorRound {
  /** Formation of 3 servers as deploy -n 3 does it: start 1; then start as observer + reconfig, twice. */
  readonly deployMs: number;
  /** A lone server bootstrapping: spawn to serving (srvr prints a Mode). */
  readonly bootstrapStartMs: number;
  /** Joiners (and restarted servers): spawn to serving, synced with the leader. */
  readonly joinStartMs: number[];
  /** Single reconfig calls (add a participant, remove a server). */
  readonly reconfigMs: number[];
  /** Leader stopped (SIGTERM) until another server serves as leader (srvr), per election. */
  readonly electionMs: number[];
  /** What a client writing through the ensemble saw during each of those elections. */
  readonly electionWrites: WindowFigures[];
  /** 3 servers restarted one at a time, leader last, each serving before the next. */
  readonly rollingRestartMs: number;
  readonly rollingRestartWrites: WindowFigures;
  /** 2 observers started together, then added one reconfig each. */
  readonly growMs: number;
  /** 2 servers removed by reconfig one at a time, then stopped. */
  readonly shrinkMs: number;
}

export async function floorRound(entry: string, round: number, elections = 2): Promise<FloorRound> {
  const ensemble = await FloorEnsemble.create();
  try {
    const reconfigMs: number[] = [];
    const joinStartMs: number[] = [];
    const participants = (ids: number[]) => ids.map((id) => ensemble.line(id, "participant"));

    // deploy -n 3: the lowest unit bootstraps alone; each joiner starts as an observer of the
    // committed membership and is then added by one reconfig, in order.
    const deployStarted = now();
    const bootstrapStartMs = await ensemble.start(1, participants([1]));
    for (const id of [2, 3]) {
      const members = ensemble.running();
      joinStartMs.push(await ensemble.start(id, [...participants(members), ensemble.line(id, "observer")]));
      reconfigMs.push(await ensemble.reconfig(members, { joining: [ensemble.line(id, "participant")] }));
    }
    const deployMs = elapsedSince(deployStarted);

    // One leader election at a time, with a client writing through the whole ensemble.
    const electionMs: number[] = [];
    const electionWrites: WindowFigures[] = [];
    for (let i = 0; i < elections; i += 1) {
      const writer = await startWriter(
        entry,
        ensemble.endpoints([1, 2, 3]),
        ensemble.credentials,
        `/bench/floor-${round}-election-${i}`,
      );
      const leader = (await ensemble.leader())!;
      const others = ensemble.running().filter((id) => id !== leader);
      const stopped = now();
      const stopping = ensemble.server(leader).stop();
      const elected = await ensemble.untilLeader(others);
      await stopping;
      electionMs.push(elected - stopped);
      // Writes go on while the old leader comes back as a follower.
      joinStartMs.push(await ensemble.relaunch(leader));
      const log = await writer.stop();
      electionWrites.push(windowFigures(log, stopped, now()));
    }

    // Rolling restart: followers first, the leader last, each serving before the next stops.
    const writer = await startWriter(
      entry,
      ensemble.endpoints([1, 2, 3]),
      ensemble.credentials,
      `/bench/floor-${round}-rolling`,
    );
    const leader = (await ensemble.leader())!;
    const rollingStarted = now();
    for (const id of [...[1, 2, 3].filter((id) => id !== leader), leader]) {
      await ensemble.server(id).stop();
      joinStartMs.push(await ensemble.relaunch(id));
    }
    await ensemble.untilLeader([1, 2, 3]);
    const rollingRestartMs = elapsedSince(rollingStarted);
    const rollingRestartWrites = windowFigures(await writer.stop(), rollingStarted, now());

    // 3 → 5: both joiners start at once; the leader then adds them one reconfig each.
    const growStarted = now();
    const members = [1, 2, 3];
    await Promise.all(
      [4, 5].map((id) => ensemble.start(id, [...participants(members), ensemble.line(id, "observer")])),
    );
    for (const id of [4, 5]) {
      reconfigMs.push(await ensemble.reconfig(members, { joining: [ensemble.line(id, "participant")] }));
    }
    const growMs = elapsedSince(growStarted);

    // 5 → 3: each leaving server is removed by reconfig, then stopped.
    const shrinkStarted = now();
    for (const id of [5, 4]) reconfigMs.push(await ensemble.reconfig(members, { leaving: [id] }));
    await Promise.all([4, 5].map((id) => ensemble.server(id).stop()));
    const shrinkMs = elapsedSince(shrinkStarted);

    return {
      deployMs,
      bootstrapStartMs,
      joinStartMs,
      reconfigMs,
      electionMs,
      electionWrites,
      rollingRestartMs,
      rollingRestartWrites,
      growMs,
      shrinkMs,
    };
  } finally {
    await ensemble.destroy();
  }
}
