/**
 * The kernel's view of a process, from /proc (what the Java client's process collector reports for
 * itself). Linux's user-visible clock tick is 100 Hz on every architecture Juju machines run.
 */
import { readdirSync, readFileSync } from "node:fs";
import type { ProcessStats } from "./jvm-metrics";

const CLOCK_TICKS_PER_SECOND = 100;

/** undefined when the process is gone (or /proc is not readable). */
export function readProcessStats(pid: number, proc = "/proc"): ProcessStats | undefined {
  try {
    const stat = readFileSync(`${proc}/${pid}/stat`, "utf8");
    // The command name (field 2) is in parentheses and may hold spaces: count fields after it.
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    const utime = Number(fields[11]);
    const stime = Number(fields[12]);
    const startTicks = Number(fields[19]);
    const virtualBytes = Number(fields[20]);
    const bootTime = Number(/^btime (\d+)$/m.exec(readFileSync(`${proc}/stat`, "utf8"))?.[1] ?? 0);
    const rssKb = Number(
      /^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`${proc}/${pid}/status`, "utf8"))?.[1] ?? 0,
    );
    const limit = /^Max open files\s+(\d+|unlimited)/m.exec(
      readFileSync(`${proc}/${pid}/limits`, "utf8"),
    )?.[1];
    return {
      cpuSeconds: (utime + stime) / CLOCK_TICKS_PER_SECOND,
      startTimeSeconds: bootTime + startTicks / CLOCK_TICKS_PER_SECOND,
      residentBytes: rssKb * 1024,
      virtualBytes,
      openFds: readdirSync(`${proc}/${pid}/fd`).length,
      maxFds: limit === undefined || limit === "unlimited" ? Number.POSITIVE_INFINITY : Number(limit),
    };
  } catch {
    return undefined;
  }
}
