/**
 * Shared pieces of the emulator's own scenario tests (emulator-*.test.ts): a controller on a fresh
 * model directory with short lease and retry times, the probe charm's event log parsed back into
 * records, polling helpers, and the check that a destroyed model left no process behind.
 */
import { mkdtempSync, readdirSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { Controller, type ControllerOptions } from "./controller";
import type { LogRecord } from "./model";

export const PROBE = resolve(import.meta.dirname, "../charms/probe");

/** One event as the probe charm logs it (`event=… remote=… app=… departing=… relation=…`). */
export interface ProbeEvent {
  readonly unit: string;
  readonly event: string;
  readonly remote: string;
  readonly app: string;
  readonly departing: string;
  readonly relation: string;
  readonly storage: string;
  readonly secret: string;
  /** JUJU_SECRET_REVISION, for secret-expired and secret-remove. */
  readonly revision: string;
  /** Position in model.logs, for ordering across units. */
  readonly index: number;
  readonly time: number;
}

const EVENT_LINE =
  /event=(\S+) remote=(\S*) app=(\S*) departing=(\S*) relation=(\S*) storage=(\S*) secret=(\S*) revision=(\S*)$/;

export function probeEvents(logs: readonly LogRecord[], unit?: string): ProbeEvent[] {
  const events: ProbeEvent[] = [];
  logs.forEach((record, index) => {
    if (record.logger !== `unit.${record.unit}.juju-log`) return;
    if (unit !== undefined && record.unit !== unit) return;
    const match = EVENT_LINE.exec(record.message);
    if (!match) return;
    const [, event, remote, app, departing, relation, storage, secret, revision] =
      match as unknown as string[];
    events.push({
      unit: record.unit,
      event: event!,
      remote: remote!,
      app: app!,
      departing: departing!,
      relation: relation!,
      storage: storage!,
      secret: secret!,
      revision: revision!,
      index,
      time: Date.parse(record.time),
    });
  });
  return events;
}

/** `event` or `event(remote)` per hook, the compact form the sequence assertions use. */
export function eventNames(logs: readonly LogRecord[], unit: string, fromIndex = 0): string[] {
  return probeEvents(logs, unit)
    .filter((event) => event.index >= fromIndex)
    .map((event) => (event.remote !== "" ? `${event.event}(${event.remote})` : event.event));
}

export interface Harness {
  readonly controller: Controller;
  /** onLog deliveries, to check that hook-tool logs reach listeners as they happen. */
  readonly delivered: LogRecord[];
  /** Holder pids of every machine the model had, for the no-leftovers check. */
  readonly holders: Set<number>;
  /** Remembers the holder pids of the model's current machines. */
  trackMachines(): void;
  /** Destroys the model, removes its directory and checks nothing it started still runs. */
  teardown(): Promise<void>;
}

export async function startModel(options: ControllerOptions = {}): Promise<Harness> {
  const modelDir = mkdtempSync(join(tmpdir(), "juju-sim-test-"));
  const delivered: LogRecord[] = [];
  const controller = await Controller.create({
    modelDir,
    leaseExpiryMs: 300,
    retryBaseMs: 100,
    retryMaxMs: 2_000,
    onLog: (record) => delivered.push(record),
    ...options,
  });
  const holders = new Set<number>();
  const trackMachines = () => {
    for (const unit of Object.values(controller.model.units)) {
      try {
        holders.add(controller.machine(unit.name).holderPid);
      } catch {
        // not provisioned yet
      }
    }
  };
  return {
    controller,
    delivered,
    holders,
    trackMachines,
    async teardown() {
      trackMachines();
      await controller.destroy();
      controller.removeModelDir();
      await until(() => [...holders].every((pid) => !isRunning(pid)), 5_000, "machine holders to exit");
      await until(() => childSleepers().length === 0, 5_000, "no `sleep infinity` child processes");
    },
  };
}

/** True while `pid` is a live (not zombie) process. */
export function isRunning(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2)[0] !== "Z";
  } catch {
    return false;
  }
}

/** Live `sleep` processes whose parent is this test process (machine holders we started). */
export function childSleepers(): number[] {
  const found: number[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      const comm = stat.slice(stat.indexOf("(") + 1, stat.lastIndexOf(")"));
      const [state, ppid] = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      if (comm === "sleep" && state !== "Z" && Number(ppid) === process.pid) found.push(Number(entry));
    } catch {
      // the process went away while we looked
    }
  }
  return found;
}

/** Polls `condition` until it holds; fails with `what` after `timeoutMs`. */
export async function until(condition: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolveWait) => setTimeout(resolveWait, 25));
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolveWait) => setTimeout(resolveWait, ms));
}

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}
