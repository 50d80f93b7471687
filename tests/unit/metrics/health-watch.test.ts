import { describe, expect, it } from "vitest";
import {
  delivered,
  type Health,
  HealthWatch,
  parseReportedHealth,
  wakeCommand,
} from "../../../src/metrics/health-watch";

const healthy: Health = { serving: true, voting: true, answering: true };
const frozen: Health = { serving: false, voting: false, answering: false };

/** A charm that records what it sees when woken: `sees` (default: the health it was woken for). */
function charm(sees?: () => Health) {
  const wakes: Health[] = [];
  let record: Health | undefined;
  const watch = new HealthWatch(async (health) => {
    wakes.push(health);
    record = sees ? sees() : health;
    return true;
  });
  return { wakes, watch, poll: (health: Health) => watch.observe(health, record) };
}

describe("HealthWatch", () => {
  it("wakes the charm once per difference from its record seen on two polls in a row, not for a blip", async () => {
    const { wakes, poll } = charm();
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
    ])
      await poll(health);
    expect(wakes).toEqual([frozen, healthy]);
  });

  it("without a record, takes the charm to have reported a healthy server: wakes it beside one that is not", async () => {
    const { wakes, poll } = charm();
    for (let n = 0; n < 5; n++) await poll(frozen);
    expect(wakes).toEqual([frozen]);
    const quiet = new HealthWatch(async () => {
      throw new Error("must not wake");
    });
    for (let n = 0; n < 5; n++) await quiet.observe(healthy);
  });

  it("a wake that ran during a blip: the charm recorded the blip, so it is woken again once the server is healthy", async () => {
    // The charm, woken for a frozen server, looks while it is syncing back (not serving).
    let blip = true;
    const { wakes, poll } = charm(() => (blip ? frozen : healthy));
    await poll(frozen);
    await poll(frozen); // woken: records "not serving"
    blip = false;
    for (let n = 0; n < 4; n++) await poll(healthy);
    expect(wakes).toEqual([frozen, healthy]);
    for (let n = 0; n < 10; n++) await poll(healthy);
    expect(wakes).toHaveLength(2);
  });

  it("while the record keeps differing (the agent is down), wakes again after pauses of 1, 2, 4 … polls", async () => {
    const attempts: number[] = [];
    let n = 0;
    const watch = new HealthWatch(async () => {
      attempts.push(n);
      return false;
    });
    for (n = 0; n < 30; n++) await watch.observe(frozen, healthy);
    // Confirmed at poll 1; then pauses of 1, 2, 4 and 8 polls between attempts.
    expect(attempts).toEqual([1, 3, 6, 11, 20]);
  });

  it("reads the charm's record, and nothing else", () => {
    expect(parseReportedHealth('{"serving":false,"voting":true,"answering":true}\n')).toEqual({
      serving: false,
      voting: true,
      answering: true,
    });
    expect(parseReportedHealth(undefined)).toBeUndefined();
    expect(parseReportedHealth('{"serving":"yes"}')).toBeUndefined();
    expect(parseReportedHealth("not json")).toBeUndefined();
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
