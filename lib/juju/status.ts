/**
 * One status per hook, chosen by priority (blocked > maintenance > waiting > active) and set in one
 * place at the end of the hook, as ops' collect-status does.
 */
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
