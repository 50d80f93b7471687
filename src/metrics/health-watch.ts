/**
 * Wakes the charm when its server's health differs from the health the charm last reported, so the
 * unit's status follows a fault within seconds instead of at the next update-status (up to 5 minutes
 * on Juju). Juju lets a process on the machine run the charm only through `juju-exec` (the unit
 * agent's run listener: a full hook context, queued behind any running hook); the charm then handles
 * a `zookeeper-health-changed` event with its usual reconcile.
 *
 * The charm records the health it saw at the end of every reconcile (REPORTED_HEALTH_PATH); the
 * service compares ZooKeeper's health with that record, not with its own memory of what it woke the
 * charm for: a wake that ran during a blip (a rejoining server syncing) left a record that differs
 * from the server's health once the blip is over, and wakes the charm again. A difference must be
 * seen twice in a row (one poll apart) before it wakes the charm, so a blip does not; one wake runs
 * at a time; while the difference stays (the agent is down, or the charm keeps seeing otherwise),
 * wakes pause for 1, 2, 4 … 32 polls. Without a record (a charm that never wrote one), the charm is
 * taken to have reported a healthy server.
 */

export const HEALTH_EVENT = "zookeeper-health-changed";

export interface Health {
  readonly serving: boolean;
  readonly voting: boolean;
  /** Whether the server answered at all (a stopped or frozen one does not). */
  readonly answering: boolean;
}

export const HEALTHY: Health = { serving: true, voting: true, answering: true };

const key = (health: Health) => `${health.serving}/${health.voting}/${health.answering}`;
const MAX_PAUSE_POLLS = 32;

/** The record the charm writes: `{"serving":…,"voting":…,"answering":…}`; undefined when unreadable. */
export function parseReportedHealth(text: string | undefined): Health | undefined {
  try {
    const value = JSON.parse(text ?? "") as Partial<Health>;
    const { serving, voting, answering } = value;
    if (typeof serving !== "boolean" || typeof voting !== "boolean" || typeof answering !== "boolean")
      return undefined;
    return { serving, voting, answering };
  } catch {
    return undefined;
  }
}

export class HealthWatch {
  private candidate: string | undefined;
  private waking = false;
  private wakes = 0;
  private pausePolls = 0;

  /** @param wake runs the charm; resolves true when Juju ran it (whatever the charm's exit code). */
  constructor(private readonly wake: (health: Health) => Promise<boolean>) {}

  /**
   * One poll: ZooKeeper's health and the charm's record (undefined: none). Resolves once a wake it
   * started has finished (for tests).
   */
  async observe(health: Health, reported: Health = HEALTHY): Promise<void> {
    const current = key(health);
    if (current === key(reported)) {
      this.candidate = undefined;
      this.wakes = 0;
      this.pausePolls = 0;
      return;
    }
    if (this.candidate !== current) {
      this.candidate = current;
      return;
    }
    if (this.waking) return;
    if (this.pausePolls > 0) {
      this.pausePolls -= 1;
      return;
    }
    this.waking = true;
    try {
      await this.wake(health);
    } finally {
      // The next poll shows whether the charm's record now agrees; if not, wake again after a pause.
      this.wakes += 1;
      this.pausePolls = Math.min(2 ** (this.wakes - 1), MAX_PAUSE_POLLS);
      this.waking = false;
    }
  }
}

/** Whether juju-exec reached the unit agent (its own errors), as opposed to the command's exit code. */
export function delivered(exitCode: number | undefined, stderr: string): boolean {
  if (exitCode === undefined) return false;
  return !/^ERROR (dialing juju run socket|unit "[^"]*" not found|juju-exec cannot|missing)/m.test(stderr);
}

/** The juju-exec command line that dispatches the event to `unit`'s charm in `charmDir`. */
export function wakeCommand(unit: string, charmDir: string): string[] {
  return ["juju-exec", unit, `JUJU_DISPATCH_PATH=hooks/${HEALTH_EVENT} ${charmDir}/dispatch`];
}
