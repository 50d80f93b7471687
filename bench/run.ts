/**
 * `npm run bench` (bench/bench.sh sets up, packs and bundles, then runs this): interleaves rounds of
 * floor measurements on bare ZooKeeper servers with rounds of the charm on the Juju emulator, and
 * writes bench/results.json, bench/RESULTS.md and the availability timelines bench/timeline-*.svg.
 * With `--writer` it is the availability probe's process instead (writer.ts); with `--render` it only
 * renders RESULTS.md and the timelines again from results.json.
 */
import { execFileSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { cpus, totalmem } from "node:os";
import { type CharmRound, charmRound } from "./charm-round";
import { type FloorRound, floorRound } from "./floor-round";
import { buildResults, type Results, renderMarkdown, writeTimelines } from "./report";
import { now } from "./stats";
import { writerMain } from "./writer";

/** Rounds of (floor, charm); each round adds one sample to every convergence and availability figure. */
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
/** Runs of each hook per round (3 rounds × 4 = 12 runs per hook). */
const HOOK_RUNS_PER_ROUND = Number(process.env.BENCH_HOOK_RUNS ?? 4);
/** Leader elections per floor round. */
const ELECTIONS_PER_ROUND = Number(process.env.BENCH_ELECTIONS ?? 1);

/**
 * results.json: indented, numbers to the microsecond (the clocks' resolution here); arrays of numbers
 * (samples, the timelines' write times) on one line each.
 */
function serialize(results: Results): string {
  const round = (_key: string, value: unknown) =>
    typeof value === "number" && !Number.isInteger(value) ? Math.round(value * 1000) / 1000 : value;
  const number = String.raw`-?\d+(?:\.\d+)?(?:e[-+]?\d+)?`;
  const numbers = new RegExp(String.raw`\[\s*(${number}(?:,\s*${number})*)\s*\]`, "g");
  const text = JSON.stringify(results, round, 2).replace(
    numbers,
    (_match, list: string) => `[${list.split(/,\s*/).join(", ")}]`,
  );
  return `${text}\n`;
}

function load(): number {
  return Number(readFileSync("/proc/loadavg", "utf8").split(" ")[0]);
}

function commit(): string {
  try {
    const sha = execFileSync("git", ["rev-parse", "--short", "HEAD"], { encoding: "utf8" }).trim();
    const dirty = execFileSync("git", ["status", "--porcelain", "--", "src", "lib", "hooks", "tests/sim"], {
      encoding: "utf8",
    }).trim();
    return dirty ? `${sha} with uncommitted changes` : sha;
  } catch {
    return "unknown";
  }
}

async function main(): Promise<void> {
  if (process.argv.includes("--writer")) {
    await writerMain();
    return;
  }
  if (process.argv.includes("--render")) {
    // Re-renders bench/RESULTS.md (and the figures) from the raw samples of the last run.
    const last = JSON.parse(readFileSync("bench/results.json", "utf8")) as Results;
    const results = buildResults(last.raw.floors, last.raw.charms, last.run);
    writeFileSync("bench/results.json", serialize(results));
    writeFileSync("bench/RESULTS.md", renderMarkdown(results));
    await writeTimelines(results);
    return;
  }
  const entry = process.argv[1]!;
  const startedAt = new Date();
  const started = now();
  const floors: FloorRound[] = [];
  const charms: CharmRound[] = [];
  const loads: number[] = [];
  const elapsed = () => `${((now() - started) / 1000).toFixed(0)} s`;
  for (let round = 1; round <= ROUNDS; round += 1) {
    loads.push(load());
    process.stdout.write(`bench [${elapsed()}]: round ${round}/${ROUNDS}: floor (bare ZooKeeper servers)\n`);
    floors.push(await floorRound(entry, round, ELECTIONS_PER_ROUND));
    loads.push(load());
    process.stdout.write(`bench [${elapsed()}]: round ${round}/${ROUNDS}: the charm on the emulator\n`);
    charms.push(await charmRound(entry, round, HOOK_RUNS_PER_ROUND));
  }
  const cpu = cpus();
  const results = buildResults(floors, charms, {
    startedAt: startedAt.toISOString().replace(/\.\d+Z$/, "Z"),
    durationS: (now() - started) / 1000,
    commit: commit(),
    machine: `${cpu.length} × ${cpu[0]?.model.trim() ?? "unknown CPU"}, ${Math.round(totalmem() / 2 ** 30)} GiB`,
    node: process.version,
    rounds: ROUNDS,
    hookRunsPerRound: HOOK_RUNS_PER_ROUND,
    load: loads,
  });
  writeFileSync("bench/results.json", serialize(results));
  writeFileSync("bench/RESULTS.md", renderMarkdown(results));
  const timelines = await writeTimelines(results);
  process.stdout.write(
    `bench [${elapsed()}]: wrote bench/results.json, bench/RESULTS.md and ${timelines.join(", ") || "no timelines"}\n`,
  );
  const failed = charms.filter((charm) => charm.error !== undefined);
  if (failed.length > 0) {
    process.stderr.write(
      `bench: ${failed.length} charm round(s) failed: ${failed.map((c) => c.error).join("; ")}\n`,
    );
    process.exitCode = 1;
  }
}

main().then(
  () => process.exit(process.exitCode ?? 0),
  (error: unknown) => {
    process.stderr.write(
      `bench: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
    );
    process.exit(1);
  },
);
