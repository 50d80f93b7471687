/**
 * Wakes the charm when its server's health changes, so the unit's status follows a fault within
 * seconds instead of at the next update-status (up to 5 minutes on Juju). Juju lets a process on the
 * machine run the charm only through `juju-exec` (the unit agent's run listener: a full hook context,
 * queued behind any running hook); the charm then handles a `zookeeper-health-changed` event with its
 * usual reconcile.
 *
 * A change must be seen twice in a row (one poll apart) before it wakes the charm, so a blip does
 * not; one wake runs at a time; a wake that fails (the agent is down) is retried at the next poll.
 */

export const HEALTH_EVENT = "zookeeper-health-changed";

export interface Health {
  readonly serving: boolean;
  readonly voting: boolean;
  /** Whether the server answered at all (a stopped or frozen one does not). */
  readonly answering: boolean;
}

const key = (health: Health) => `${health.serving}/${health.voting}/${health.answering}`;

export class HealthWatch {
  private reported: string | undefined;
  private candidate: string | undefined;
  private waking = false;

  /** @param wake runs the charm; resolves true when the charm ran. */
  constructor(private readonly wake: (health: Health) => Promise<boolean>) {}

  /** One poll's health. Resolves once a wake it started has finished (for tests). */
  async observe(health: Health): Promise<void> {
    const current = key(health);
    if (this.reported === undefined) {
      // What the charm saw when it (re)started this service.
      this.reported = current;
      return;
    }
    if (current === this.reported) {
      this.candidate = undefined;
      return;
    }
    if (this.candidate !== current) {
      this.candidate = current;
      return;
    }
    if (this.waking) return;
    this.waking = true;
    try {
      if (await this.wake(health)) {
        this.reported = current;
        this.candidate = undefined;
      }
    } finally {
      this.waking = false;
    }
  }
}

/** The juju-exec command line that dispatches the event to `unit`'s charm in `charmDir`. */
export function wakeCommand(unit: string, charmDir: string): string[] {
  return ["juju-exec", unit, `JUJU_DISPATCH_PATH=hooks/${HEALTH_EVENT} ${charmDir}/dispatch`];
}
