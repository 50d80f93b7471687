import { describe, expect, it } from "vitest";
import { delivered, type Health, HealthWatch, wakeCommand } from "../../../src/metrics/health-watch";

const healthy: Health = { serving: true, voting: true, answering: true };
const frozen: Health = { serving: false, voting: false, answering: false };

describe("HealthWatch", () => {
  it("wakes the charm once per change seen on two polls in a row, not for a blip", async () => {
    const wakes: Health[] = [];
    const watch = new HealthWatch(async (health) => {
      wakes.push(health);
      return true;
    });
    for (const health of [
      healthy,
      healthy,
      frozen,
      healthy,
      frozen,
      frozen,
      frozen,
      frozen,
      healthy,
      healthy,
    ]) {
      await watch.observe(health);
    }
    expect(wakes).toEqual([frozen, healthy]);
  });

  it("wakes the charm when it starts beside a server that is not healthy (the charm may think it is)", async () => {
    let wakes = 0;
    const watch = new HealthWatch(async () => {
      wakes++;
      return true;
    });
    for (let poll = 0; poll < 5; poll++) await watch.observe(frozen);
    expect(wakes).toBe(1);
    const quiet = new HealthWatch(async () => {
      throw new Error("must not wake");
    });
    for (let poll = 0; poll < 5; poll++) await quiet.observe(healthy);
  });

  it("retries a wake Juju did not deliver (the unit agent was down), pausing longer each time", async () => {
    const attempts: number[] = [];
    let poll = 0;
    const watch = new HealthWatch(async () => {
      attempts.push(poll);
      return attempts.length >= 4;
    });
    for (poll = 0; poll < 30; poll++) await watch.observe(frozen);
    // Confirmed at poll 1; then pauses of 1, 2 and 4 polls between attempts.
    expect(attempts).toEqual([1, 3, 6, 11]);
  });

  it("counts a wake as delivered whatever the charm's exit code, not when juju-exec could not reach the agent", () => {
    expect(delivered(0, "")).toBe(true);
    expect(delivered(1, "Traceback of the charm\n")).toBe(true);
    expect(delivered(1, "ERROR dialing juju run socket: no such file or directory\n")).toBe(false);
    expect(delivered(1, 'ERROR unit "zookeeper/1" not found on this machine\n')).toBe(false);
    expect(delivered(undefined, "")).toBe(false);
  });

  it("runs the charm's dispatch with its event through juju-exec", () => {
    expect(wakeCommand("zookeeper/2", "/var/lib/juju/agents/unit-zookeeper-2/charm")).toEqual([
      "juju-exec",
      "zookeeper/2",
      "JUJU_DISPATCH_PATH=hooks/zookeeper-health-changed /var/lib/juju/agents/unit-zookeeper-2/charm/dispatch",
    ]);
  });
});
