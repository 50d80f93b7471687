/**
 * Wakes the charm when its server's health changes, so the unit's status follows a fault within
 * seconds instead of at the next update-status (up to 5 minutes on Juju). Juju lets a process on the
 * machine run the charm only through `juju-exec` (the unit agent's run listener: a full hook context,
 * queued behind any running hook); the charm then handles a `zookeeper-health-changed` event with its
 * usual reconcile.
 *
 * A change must be seen twice in a row (one poll apart) before it wakes the charm, so a blip does
 * not; one wake runs at a time. The service assumes the charm last reported a healthy server: after
 * a restart of the service (or a reboot) it wakes the charm if the server is not. A wake Juju did not
 * deliver (the unit agent is down) is retried with a doubling pause of up to 32 polls.
 */

export const HEALTH_EVENT = "zookeeper-health-changed";

export interface Health {
  readonly serving: boolean;
  readonly voting: boolean;
  /** Whether the server answered at all (a stopped or frozen one does not). */
  readonly answering: boolean;
}

const key = (health: Health) => `${health.serving}/${health.voting}/${health.answering}`;
const HEALTHY = key({ serving: true, voting: true, answering: true });
const MAX_PAUSE_POLLS = 32;

export class HealthWatch {
  private reported = HEALTHY;
  private candidate: string | undefined;
  private waking = false;
  private failures = 0;
  private pausePolls = 0;

  /** @param wake runs the charm; resolves true when Juju ran it (whatever the charm's exit code). */
  constructor(private readonly wake: (health: Health) => Promise<boolean>) {}

  /** One poll's health. Resolves once a wake it started has finished (for tests). */
  async observe(health: Health): Promise<void> {
    const current = key(health);
    if (current === this.reported) {
      this.candidate = undefined;
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
      if (await this.wake(health)) {
        this.reported = current;
        this.candidate = undefined;
        this.failures = 0;
      } else {
        this.failures += 1;
        this.pausePolls = Math.min(2 ** (this.failures - 1), MAX_PAUSE_POLLS);
      }
    } finally {
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
