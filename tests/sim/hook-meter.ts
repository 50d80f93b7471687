/**
 * The emulator's opt-in hook measurements (ControllerOptions.measureHooks), for the benchmarks:
 * every hook run becomes a {@link HookRunRecord} with the hook tools it called and, through the small
 * native wrapper `hook-rusage.c`, the wall time, CPU time and peak RSS of the dispatch process itself.
 * Nothing here changes what a hook sees: the wrapper execs dispatch with the same argv, environment,
 * working directory and stdio, minus the one extra descriptor it reports on.
 */
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { simSourceFile } from "./tool-server";

/** Where the wrapper lives inside every machine (the agent's tools directory, bound from the host). */
export const HOOK_RUSAGE_PATH = "/var/lib/juju/tools/hook-rusage";

/** What the wrapper measured for one process tree. */
export interface ProcessUsage {
  /** From fork to wait4, nanosecond clock (the process alone, without nsenter/env before it). */
  readonly wallMs: number;
  /** CPU time of the process and the children it waited for (its hook tools). */
  readonly userMs: number;
  readonly sysMs: number;
  /** Peak resident set of the largest process among them (the charm's Node process), in KiB. */
  readonly maxRssKb: number;
}

/** One hook run, as the unit agent saw it. */
export interface HookRunRecord {
  readonly unit: string;
  readonly hook: string;
  readonly remoteUnit: string | undefined;
  /** True when the hook was asked for with Controller.runHookNow. */
  readonly forced: boolean;
  /** Epoch milliseconds when dispatch was spawned and when it exited. */
  readonly startedAt: number;
  readonly endedAt: number;
  /** What the agent waited for: spawning dispatch in the machine until it exited (ms). */
  readonly wallMs: number;
  /** The hook's exit code (after failpoints and the commit). */
  readonly code: number;
  /**
   * The hook tools the hook called, in order. `systemctl` calls made with the hook's environment
   * are listed too, as "systemctl" (they are not hook tools but cost a process each).
   */
  readonly toolCalls: readonly string[];
  /** The dispatch process's own measurements; only with measureHooks. */
  readonly usage: ProcessUsage | undefined;
}

/** Hook-tool calls only (without systemctl), the figure Juju charms are usually compared by. */
export function hookToolCalls(record: HookRunRecord): number {
  return record.toolCalls.filter((tool) => tool !== "systemctl").length;
}

/** Parses the wrapper's report line; undefined if the process did not get to write it. */
export function parseUsageReport(text: string): { code: number; usage: ProcessUsage } | undefined {
  const fields = text.trim().split(/\s+/).map(Number);
  if (fields.length !== 5 || fields.some((field) => !Number.isFinite(field))) return undefined;
  const [code, wallNs, userUs, sysUs, maxRssKb] = fields as [number, number, number, number, number];
  return {
    code,
    usage: { wallMs: wallNs / 1e6, userMs: userUs / 1e3, sysMs: sysUs / 1e3, maxRssKb },
  };
}

/** Compiles the wrapper once per source version into `outputDir`; returns its host path. */
export function buildHookRusage(outputDir: string): string {
  const source = simSourceFile("hook-rusage.c");
  const hash = createHash("sha256").update(readFileSync(source)).digest("hex").slice(0, 16);
  const binary = join(outputDir, `hook-rusage-${hash}`);
  if (!existsSync(binary)) {
    mkdirSync(outputDir, { recursive: true });
    execFileSync("cc", ["-O2", "-o", binary, source]);
  }
  return binary;
}
