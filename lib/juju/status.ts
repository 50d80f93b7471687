/**
 * One status per hook, chosen by priority (blocked > maintenance > waiting > active) and set in one
 * place at the end of the hook, as ops' collect-status does.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { SettableStatus } from "./hook-tools";

export interface Status {
  readonly name: SettableStatus;
  readonly message: string;
}

const PRIORITY: Readonly<Record<SettableStatus, number>> = {
  blocked: 3,
  maintenance: 2,
  waiting: 1,
  active: 0,
};

export const active = (message = ""): Status => ({ name: "active", message });
export const blocked = (message: string): Status => ({ name: "blocked", message });
export const maintenance = (message: string): Status => ({ name: "maintenance", message });
export const waiting = (message: string): Status => ({ name: "waiting", message });

/** The status that wins among `candidates`: highest priority, and the first one added among equals. */
export function highestPriority(candidates: readonly Status[]): Status | undefined {
  let best: Status | undefined;
  for (const candidate of candidates) {
    if (best === undefined || PRIORITY[candidate.name] > PRIORITY[best.name]) best = candidate;
  }
  return best;
}

/** Collects every status a hook's code proposes; {@link chosen} picks the one to report. */
export class StatusCollector {
  private readonly candidates: Status[] = [];

  add(status: Status): void {
    this.candidates.push(status);
  }

  get all(): readonly Status[] {
    return this.candidates;
  }

  get chosen(): Status | undefined {
    return highestPriority(this.candidates);
  }
}

/**
 * The statuses this unit last set — its own, and the application's while it leads — kept in a
 * private file in the charm directory, so a hook that ends with the same status skips `status-set`
 * (a hook-tool call fewer in most hooks). Only this unit's charm sets its status, and `status-set`
 * takes effect at once (a failed hook does not undo it), so the record is exact, except where Juju
 * sets a status itself: before install, around stop and remove, after a start that set none, and on
 * a failed hook. Those hooks always set it, and a failed hook forgets the record. The application's
 * status is set by whichever unit leads: a new leader's leader-elected always sets it.
 */
export class StatusMemory {
  private readonly path: string | undefined;
  private record: { unit?: Status; app?: Status } = {};

  constructor(charmDir: string) {
    this.path = charmDir === "" ? undefined : join(charmDir, ".unit-status.json");
    if (!this.path) return;
    try {
      this.record = JSON.parse(readFileSync(this.path, "utf8")) as { unit?: Status; app?: Status };
    } catch {
      this.record = {};
    }
  }

  /** True when `status` is what this unit last set (for the application with `app`). */
  same(status: Status, app = false): boolean {
    const last = app ? this.record.app : this.record.unit;
    return last !== undefined && last.name === status.name && last.message === status.message;
  }

  remember(status: Status, app = false): void {
    this.record = app ? { ...this.record, app: status } : { ...this.record, unit: status };
    this.save();
  }

  forget(): void {
    this.record = {};
    this.save();
  }

  private save(): void {
    if (!this.path) return;
    try {
      writeFileSync(this.path, JSON.stringify(this.record), { mode: 0o600 });
    } catch {
      // Best effort: without the record the next hook just sets its statuses.
    }
  }
}

/** Hooks around which Juju sets the unit's status itself: the charm's status is always set there. */
export const JUJU_SETS_STATUS: ReadonlySet<string> = new Set(["install", "start", "stop", "remove"]);
