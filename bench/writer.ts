/**
 * The availability probe: a ZooKeeper client that creates sequential znodes back to back (a short
 * pause between writes) and records when each write succeeded or failed. It runs in its own Node
 * process, so the controller's work can never delay it, and is stopped through its stdin.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { createInterface } from "node:readline";
import {
  ClientClosedError,
  SessionClosedRequireAuthError,
  SessionExpiredError,
  ZooKeeperManager,
} from "../lib/zookeeper";
import { now, sleep, summarize } from "./stats";

/** Pause between two writes ("one write every few ms"). */
export const WRITE_PAUSE_MS = 5;
/** A write that takes longer than this counts as failed. */
export const WRITE_TIMEOUT_MS = 10_000;
/** The writer gives up (and the phase fails) when no write succeeds this long after it started. */
const READY_TIMEOUT_MS = 60_000;

export interface WriterLog {
  /** Completion times (epoch ms) of successful writes. */
  readonly ok: number[];
  /** Completion times and error names of failed writes. */
  readonly failed: { at: number; error: string }[];
  /** Latencies of the successful writes (ms). */
  readonly latencies: number[];
}

export interface WindowFigures {
  /** Longest interval without a successful write in the window, bounds included (ms). */
  readonly longestGapMs: number;
  /** When that gap began, relative to the window's start (ms). */
  readonly gapStartMs: number;
  readonly failedWrites: number;
  readonly failures: Record<string, number>;
  readonly okWrites: number;
  readonly medianLatencyMs: number;
}

/** The figures of one window [from, to] of a writer's log. */
export function windowFigures(log: WriterLog, from: number, to: number): WindowFigures {
  const times = [from, ...log.ok.filter((at) => at > from && at < to), to];
  let longest = 0;
  let gapStart = 0;
  for (let i = 1; i < times.length; i += 1) {
    const gap = times[i]! - times[i - 1]!;
    if (gap > longest) {
      longest = gap;
      gapStart = times[i - 1]! - from;
    }
  }
  const failed = log.failed.filter((failure) => failure.at >= from && failure.at <= to);
  const failures: Record<string, number> = {};
  for (const failure of failed) failures[failure.error] = (failures[failure.error] ?? 0) + 1;
  return {
    longestGapMs: longest,
    gapStartMs: gapStart,
    failedWrites: failed.length,
    failures,
    okWrites: times.length - 2,
    medianLatencyMs: summarize(log.latencies).median,
  };
}

export interface Writer {
  /** Stops writing and returns the log. */
  stop(): Promise<WriterLog>;
}

/**
 * Starts a writer process on `hosts` as `credentials` under `path`; resolves once its first write
 * succeeded. `entry` is the bench bundle, which runs {@link writerMain} when given `--writer`.
 */
export async function startWriter(
  entry: string,
  hosts: readonly string[],
  credentials: { username: string; password: string },
  path: string,
): Promise<Writer> {
  const child: ChildProcess = spawn(process.execPath, [entry, "--writer"], {
    env: {
      ...process.env,
      BENCH_WRITER_HOSTS: hosts.join(","),
      BENCH_WRITER_USER: credentials.username,
      BENCH_WRITER_PASSWORD: credentials.password,
      BENCH_WRITER_PATH: path,
    },
    stdio: ["pipe", "pipe", "inherit"],
  });
  const lines = createInterface({ input: child.stdout! });
  const exited = new Promise<number | null>((resolve) => child.once("exit", resolve));
  let result: WriterLog | undefined;
  const ready = new Promise<void>((resolve, reject) => {
    lines.on("line", (line) => {
      if (line === "ready") resolve();
      else if (line.startsWith("{")) result = JSON.parse(line) as WriterLog;
    });
    void exited.then((code) => reject(new Error(`writer exited (${code}) before its first write`)));
  });
  const timeout = setTimeout(() => child.kill("SIGKILL"), READY_TIMEOUT_MS);
  try {
    await ready;
  } finally {
    clearTimeout(timeout);
  }
  return {
    async stop() {
      child.stdin!.end("stop\n");
      const code = await exited;
      if (!result) throw new Error(`writer exited (${code}) without a log`);
      return result;
    },
  };
}

/** A session that is gone for good: the writer opens a new one, as an application would. */
function sessionLost(error: unknown): boolean {
  return (
    error instanceof SessionExpiredError ||
    error instanceof ClientClosedError ||
    error instanceof SessionClosedRequireAuthError
  );
}

/** The writer process. */
export async function writerMain(): Promise<void> {
  const hosts = process.env.BENCH_WRITER_HOSTS!.split(",");
  const auth = { username: process.env.BENCH_WRITER_USER!, password: process.env.BENCH_WRITER_PASSWORD! };
  const path = process.env.BENCH_WRITER_PATH!;
  let stopping = false;
  createInterface({ input: process.stdin }).on("line", () => {
    stopping = true;
  });
  process.stdin.on("end", () => {
    stopping = true;
  });
  const log: WriterLog = { ok: [], failed: [], latencies: [] };
  const connect = () =>
    ZooKeeperManager.connect({ hosts, auth, connectTimeoutMs: 30_000, requestTimeoutMs: WRITE_TIMEOUT_MS });
  let zk = await connect();
  await zk.ensurePath(path);
  let announced = false;
  while (!stopping) {
    const started = now();
    try {
      await zk.create(`${path}/w-`, "x", { mode: "persistent-sequential", timeoutMs: WRITE_TIMEOUT_MS });
      const at = now();
      log.ok.push(at);
      log.latencies.push(at - started);
      if (!announced) {
        announced = true;
        process.stdout.write("ready\n");
      }
    } catch (error) {
      log.failed.push({ at: now(), error: error instanceof Error ? error.name : String(error) });
      if (sessionLost(error)) {
        await zk.close().catch(() => {});
        for (;;) {
          try {
            zk = await connect();
            break;
          } catch (connectError) {
            const name = connectError instanceof Error ? connectError.name : String(connectError);
            log.failed.push({ at: now(), error: `connect: ${name}` });
          }
        }
      }
    }
    await sleep(WRITE_PAUSE_MS);
  }
  await zk.close().catch(() => {});
  process.stdout.write(`${JSON.stringify(log)}\n`);
}
