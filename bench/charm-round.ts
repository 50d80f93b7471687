/**
 * One round of charm measurements on the Juju emulator with real ZooKeeper: deploy -n 3, the cost
 * of single hooks on the settled model (each run next to a bare `node -e 0` and an empty hook in the
 * same machine), a rolling restart after a config change, 3 → 5, 5 → 3 and the removal of the
 * ZooKeeper leader's unit, each with a client writing continuously and the servers watched for
 * restarts and leader changes (timeline.ts).
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import {
  APP,
  expectHealthyEnsemble,
  liveUnits,
  packedCharm,
  superPassword,
  zookeeperLeader,
} from "../tests/integration/support/charm-model";
import { Controller } from "../tests/sim/controller";
import { type HookRunRecord, hookToolCalls } from "../tests/sim/hook-meter";
import { HEAP_MB } from "./floor";
import { now, sleep } from "./stats";
import { LEAD_MS, type PhaseTrace, phaseTrace, startTimeline } from "./timeline";
import { startWriter, type WindowFigures, windowFigures } from "./writer";

/** The empty-hook charm (paths are relative to the repository, where `npm run bench` runs). */
export const EMPTY_CHARM = resolve("bench/charms/empty");
export const HOOK_KINDS = ["update-status", "config-changed", "cluster-relation-changed", "leader-elected"];
export const SCENARIOS = ["deploy", "rolling-restart", "scale-up", "scale-down", "remove-leader"] as const;
export type Scenario = (typeof SCENARIOS)[number];

export interface PhaseResult {
  /** From the operation until the last hook it caused ended (ms). */
  readonly durationMs: number;
  /** Hooks the zookeeper units ran meanwhile, in total and by name. */
  readonly hooks: number;
  readonly hooksByName: Record<string, number>;
  /** The unit that spent the longest inside hooks meanwhile, and how long (ms, summed). */
  readonly busiestUnit: string | undefined;
  readonly busiestUnitHookMs: number;
  /** What a client writing continuously saw, from the operation until the model settled. */
  readonly writes: WindowFigures | undefined;
  /** Every hook of the phase: unit, hook (remote unit), start (ms after the operation), wall ms, exit code. */
  readonly timeline: string[];
  /** With a writer: its writes, server restarts and leader changes, for the timeline figure. */
  readonly trace?: PhaseTrace;
}

export interface HookSample {
  readonly kind: string;
  readonly unit: string;
  /** The dispatch process (sh → node charm.js): fork to exit, CPU (user + sys), peak RSS. */
  readonly wallMs: number;
  readonly cpuMs: number;
  readonly maxRssKb: number;
  /** What the unit agent waited, including entering the machine. */
  readonly agentWallMs: number;
  readonly toolCalls: number;
  readonly systemctlCalls: number;
  readonly tools: readonly string[];
  /** Hooks other units ran because of this one (a no-change hook should cause none). */
  readonly followUpHooks: number;
  /** `node -e 0` in the same machine under the same meter, just before. */
  readonly nodeWallMs: number;
  readonly nodeCpuMs: number;
  readonly nodeMaxRssKb: number;
  /** An empty hook (bench/charms/empty), just before: the emulator's own cost of a hook. */
  readonly emptyWallMs: number;
  readonly emptyAgentWallMs: number;
}

export interface CharmRound {
  readonly phases: Partial<Record<Scenario, PhaseResult>>;
  readonly hooks: HookSample[];
  /** Per-call time of a hook tool (`is-leader`) in batches of 20, in a juju-exec context (ms). */
  readonly toolRoundTripMs: number[];
  /** Per-call time of exec'ing /bin/true in the same loop: the process-spawn part of a tool call. */
  readonly spawnMs: number[];
  /** A hook tool called from Node as the charm calls them (spawnSync), per call: wall and CPU (ms). */
  readonly toolFromNodeMs: number[];
  readonly toolFromNodeCpuMs: number[];
  /** `node dist/charm.js` with no hook context (loads the bundle, fails at once): wall, CPU, RSS. */
  readonly bundleLoad: { wallMs: number; cpuMs: number; maxRssKb: number }[];
  readonly error: string | undefined;
  /** When a phase failed: the units' statuses and the hooks it ran. */
  readonly errorDetails: string[];
}

/** A phase that did not converge, with what the units said and which hooks ran. */
class PhaseError extends Error {
  readonly details: string[];

  constructor(label: string, cause: unknown, controller: Controller, runs: HookRunRecord[], started: number) {
    super(`${label}: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
    this.details = [
      ...controller
        .unitsOf(APP)
        .map(
          (unit) =>
            `${unit.name}: ${unit.workloadStatus.status} "${unit.workloadStatus.message}", agent ${unit.agentStatus.status}`,
        ),
      ...runs.map(timelineEntry(started)),
    ];
  }
}

function timelineEntry(started: number): (run: HookRunRecord) => string {
  return (run) =>
    `${run.unit} ${run.hook}${run.remoteUnit ? `(${run.remoteUnit})` : ""} +${Math.round(run.startedAt - started)} ` +
    `${Math.round(run.wallMs)}ms${run.code === 0 ? "" : ` exit ${run.code}`}`;
}

function zookeeperRuns(controller: Controller, since: number): HookRunRecord[] {
  return controller.hookRuns.filter((run) => run.unit.startsWith(`${APP}/`) && run.startedAt >= since);
}

/** Runs `operation`, waits for the model to settle with every unit active and ZooKeeper healthy. */
async function phase(
  controller: Controller,
  entry: string,
  label: string,
  operation: () => Promise<unknown> | unknown,
  writerUnits?: readonly string[],
): Promise<PhaseResult> {
  // With a writer, the servers are watched too (restarts, leader changes) and the writer runs alone
  // for a short lead first, so the timeline shows its steady state before the operation.
  const poller = writerUnits ? await startTimeline(controller, APP) : undefined;
  const writer = writerUnits
    ? await startWriter(
        entry,
        writerUnits.map((unit) => `${controller.unit(unit).address}:2181`),
        { username: "super", password: superPassword(controller) },
        `/bench/${label}`,
      ).catch(async (error: unknown) => {
        await poller?.stop();
        throw error;
      })
    : undefined;
  if (writer) await sleep(LEAD_MS);
  const started = now();
  const floorMs = Math.floor(started);
  const abandon = async () => {
    await writer?.stop().catch(() => {});
    await poller?.stop();
  };
  try {
    await operation();
    await controller.waitFor({ timeoutMs: 400_000 });
  } catch (error) {
    await abandon();
    throw error;
  }
  const runs = zookeeperRuns(controller, floorMs);
  const ended = Math.max(started, ...runs.map((run) => run.endedAt));
  try {
    await expectHealthyEnsemble(controller);
  } catch (error) {
    await abandon();
    throw new PhaseError(label, error, controller, runs, started);
  }
  const log = await writer?.stop();
  // The window ends when the writer stopped, as before there was a poller to stop.
  const to = Math.max(ended, now());
  const polled = await poller?.stop();
  const hooksByName: Record<string, number> = {};
  const hookMsByUnit: Record<string, number> = {};
  for (const run of runs) {
    hooksByName[run.hook] = (hooksByName[run.hook] ?? 0) + 1;
    hookMsByUnit[run.unit] = (hookMsByUnit[run.unit] ?? 0) + run.wallMs;
  }
  const busiest = Object.entries(hookMsByUnit).sort((a, b) => b[1] - a[1])[0];
  return {
    durationMs: ended - started,
    hooks: runs.length,
    hooksByName,
    busiestUnit: busiest?.[0],
    busiestUnitHookMs: busiest?.[1] ?? 0,
    writes: log ? windowFigures(log, started, to) : undefined,
    timeline: runs.map(timelineEntry(started)),
    ...(log && polled ? { trace: phaseTrace(polled, log, started, ended, to) } : {}),
  };
}

async function hookCost(controller: Controller, runs: number): Promise<HookSample[]> {
  const samples: HookSample[] = [];
  const leader = controller.leader(APP)!;
  const peer = liveUnits(controller).find((unit) => unit.name !== leader)!.name;
  const options: Record<string, { remoteUnit?: string }> = {
    "cluster-relation-changed": { remoteUnit: peer },
  };
  for (let i = 0; i < runs; i += 1) {
    for (const kind of HOOK_KINDS) {
      const node = await controller.measureCommand(leader, ["node", "-e", "0"]);
      const empty = await controller.runHookNow("empty/0", "update-status");
      const record = await controller.runHookNow(leader, kind, options[kind]);
      await controller.waitFor({ timeoutMs: 120_000 });
      if (record.code !== 0) throw new Error(`${kind} on ${leader} failed (exit ${record.code})`);
      const followUps = zookeeperRuns(controller, record.endedAt).filter((run) => !run.forced).length;
      samples.push({
        kind,
        unit: leader,
        wallMs: record.usage!.wallMs,
        cpuMs: record.usage!.userMs + record.usage!.sysMs,
        maxRssKb: record.usage!.maxRssKb,
        agentWallMs: record.wallMs,
        toolCalls: hookToolCalls(record),
        systemctlCalls: record.toolCalls.length - hookToolCalls(record),
        tools: record.toolCalls,
        followUpHooks: followUps,
        nodeWallMs: node.usage!.wallMs,
        nodeCpuMs: node.usage!.userMs + node.usage!.sysMs,
        nodeMaxRssKb: node.usage!.maxRssKb,
        emptyWallMs: empty.usage!.wallMs,
        emptyAgentWallMs: empty.wallMs,
      });
    }
  }
  return samples;
}

/** Per-call milliseconds of `command`, in `batches` batches of 20 calls, inside a juju-exec context. */
async function perCall(
  controller: Controller,
  unit: string,
  command: string,
  batches = 10,
): Promise<number[]> {
  const script = `for b in $(seq ${batches}); do s=$(date +%s%N); for i in $(seq 20); do ${command} >/dev/null; done; e=$(date +%s%N); echo $(( (e - s) / 20 )); done`;
  const result = await controller.exec(unit, script);
  if (result.code !== 0) throw new Error(`timing ${command} failed: ${result.stderr}`);
  return result.stdout
    .trim()
    .split("\n")
    .map((line) => Number(line) / 1e6);
}

interface Metered {
  readonly wallMs: number;
  readonly cpuMs: number;
  readonly maxRssKb: number;
}

/**
 * Inside a juju-exec context on `unit`, each under the hook meter, `repeat` times in turn:
 * `node -e 0`; node calling `is-leader` 20 times with spawnSync, as the charm calls its tools; and
 * `node dist/charm.js` without a hook context, which loads the bundle and exits at once.
 */
async function nodeFloors(
  controller: Controller,
  unit: string,
  repeat = 5,
): Promise<{ toolWallMs: number[]; toolCpuMs: number[]; bundle: Metered[] }> {
  const calls = 20;
  const loop = `const { spawnSync } = require("node:child_process"); for (let i = 0; i < ${calls}; i++) spawnSync("is-leader", ["--format=json"]);`;
  const meter = "/var/lib/juju/tools/hook-rusage";
  const script = [
    `for i in $(seq ${repeat}); do`,
    `  ${meter} node -e 0 3>&1 >/dev/null`,
    `  ${meter} node -e '${loop}' 3>&1 >/dev/null`,
    `  env -i PATH=/usr/bin:/bin ${meter} node dist/charm.js 3>&1 >/dev/null 2>&1`,
    "done",
  ].join("\n");
  const result = await controller.exec(unit, script);
  const lines = result.stdout.trim().split("\n");
  const metered = lines.map((line): Metered => {
    const [, wallNs, userUs, sysUs, rss] = line.trim().split(/\s+/).map(Number) as number[];
    return { wallMs: wallNs! / 1e6, cpuMs: (userUs! + sysUs!) / 1e3, maxRssKb: rss! };
  });
  if (metered.length !== repeat * 3 || metered.some((m) => !Number.isFinite(m.wallMs)))
    throw new Error(`node floors: unexpected output ${JSON.stringify(result)}`);
  const toolWallMs: number[] = [];
  const toolCpuMs: number[] = [];
  const bundle: Metered[] = [];
  for (let i = 0; i < repeat; i += 1) {
    const [base, withTools, load] = metered.slice(i * 3, i * 3 + 3) as [Metered, Metered, Metered];
    toolWallMs.push((withTools.wallMs - base.wallMs) / calls);
    toolCpuMs.push((withTools.cpuMs - base.cpuMs) / calls);
    bundle.push(load);
  }
  return { toolWallMs, toolCpuMs, bundle };
}

export async function charmRound(entry: string, round: number, hookRuns: number): Promise<CharmRound> {
  const controller = await Controller.create({
    modelDir: mkdtempSync(join(tmpdir(), "zk-bench-")),
    measureHooks: true,
  });
  const phases: Partial<Record<Scenario, PhaseResult>> = {};
  const result = {
    phases,
    hooks: [] as HookSample[],
    toolRoundTripMs: [] as number[],
    spawnMs: [] as number[],
    toolFromNodeMs: [] as number[],
    toolFromNodeCpuMs: [] as number[],
    bundleLoad: [] as CharmRound["bundleLoad"],
    error: undefined as string | undefined,
    errorDetails: [] as string[],
  };
  const step = (label: string) => process.stdout.write(`  charm round ${round}: ${label}\n`);
  try {
    await controller.deploy(EMPTY_CHARM, "empty");
    await controller.waitFor({ timeoutMs: 60_000 });
    const charm = packedCharm();

    step("deploy -n 3");
    phases.deploy = await phase(controller, entry, `r${round}-deploy`, () =>
      controller.deploy(charm, APP, { numUnits: 3, config: { "heap-size-mb": String(HEAP_MB) } }),
    );

    step(`hook cost (${hookRuns} runs of each hook)`);
    result.hooks.push(...(await hookCost(controller, hookRuns)));
    const leader = controller.leader(APP)!;
    result.toolRoundTripMs.push(...(await perCall(controller, leader, "is-leader")));
    result.spawnMs.push(...(await perCall(controller, leader, "/bin/true")));
    const fromNode = await nodeFloors(controller, leader);
    result.toolFromNodeMs.push(...fromNode.toolWallMs);
    result.toolFromNodeCpuMs.push(...fromNode.toolCpuMs);
    result.bundleLoad.push(...fromNode.bundle);

    step("rolling restart after a config change");
    const all = liveUnits(controller).map((unit) => unit.name);
    phases["rolling-restart"] = await phase(
      controller,
      entry,
      `r${round}-rolling`,
      () => controller.setConfig(APP, { "tick-time": "2500" }),
      all,
    );

    step("3 → 5");
    phases["scale-up"] = await phase(
      controller,
      entry,
      `r${round}-up`,
      () => controller.addUnit(APP, 2),
      all,
    );

    step("5 → 3");
    const staying = liveUnits(controller)
      .slice(0, 3)
      .map((unit) => unit.name);
    phases["scale-down"] = await phase(
      controller,
      entry,
      `r${round}-down`,
      () => controller.scaleApplication(APP, 3),
      staying,
    );

    step("remove the ZooKeeper leader's unit");
    const zkLeader = await zookeeperLeader(controller);
    const survivors = liveUnits(controller)
      .map((unit) => unit.name)
      .filter((unit) => unit !== zkLeader);
    phases["remove-leader"] = await phase(
      controller,
      entry,
      `r${round}-leader`,
      () => controller.removeUnit(zkLeader),
      survivors,
    );
  } catch (error) {
    result.error = error instanceof Error ? error.message : String(error);
    if (error instanceof PhaseError) result.errorDetails.push(...error.details);
    process.stdout.write(`  charm round ${round} failed: ${result.error}\n`);
    for (const line of result.errorDetails) process.stdout.write(`    ${line}\n`);
  } finally {
    await controller.destroy();
    controller.removeModelDir();
  }
  return result;
}
