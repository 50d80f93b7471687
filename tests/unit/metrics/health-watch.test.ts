import { describe, expect, it } from "vitest";
import { type Health, HealthWatch, wakeCommand } from "../../../src/metrics/health-watch";

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

  it("does not wake for what the service saw when it started", async () => {
    let wakes = 0;
    const watch = new HealthWatch(async () => {
      wakes++;
      return true;
    });
    for (let poll = 0; poll < 5; poll++) await watch.observe(frozen);
    expect(wakes).toBe(0);
  });

  it("retries a wake that failed (the unit agent was down) at the next poll", async () => {
    const outcomes = [false, true];
    let wakes = 0;
    const watch = new HealthWatch(async () => {
      wakes++;
      return outcomes.shift() ?? true;
    });
    for (const health of [healthy, frozen, frozen, frozen, frozen]) await watch.observe(health);
    expect(wakes).toBe(2);
  });

  it("runs the charm's dispatch with its event through juju-exec", () => {
    expect(wakeCommand("zookeeper/2", "/var/lib/juju/agents/unit-zookeeper-2/charm")).toEqual([
      "juju-exec",
      "zookeeper/2",
      "JUJU_DISPATCH_PATH=hooks/zookeeper-health-changed /var/lib/juju/agents/unit-zookeeper-2/charm/dispatch",
    ]);
  });
});
