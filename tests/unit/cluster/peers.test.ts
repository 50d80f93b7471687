import { describe, expect, it } from "vitest";
import { parseEnsembleConfig } from "../../../lib/zookeeper";
import type { PeerUnit } from "../../../src/cluster/cluster-plan";
import { markDying } from "../../../src/cluster/peers";

const unit = (n: number, extra: Partial<PeerUnit> = {}): PeerUnit => ({
  name: `zookeeper/${n}`,
  number: n,
  address: `10.0.0.${n + 10}`,
  started: true,
  dying: false,
  restartRequest: undefined,
  ...extra,
});
const committed = (...units: number[]) =>
  parseEnsembleConfig(
    `${units.map((n) => `server.${n + 1}=10.0.0.${n + 10}:2888:3888:participant;10.0.0.${n + 10}:2181`).join("\n")}\nversion=100000003`,
  );

describe("markDying (the leader's goal-state read)", () => {
  it("a settled ensemble never asks goal-state", () => {
    let asked = 0;
    const result = markDying([unit(0), unit(1), unit(2)], committed(0, 1, 2), () => {
      asked += 1;
      return [];
    });
    expect(asked).toBe(0);
    expect(result.planned).toBeUndefined();
  });

  it.each([
    ["membership differs from the units", [unit(0), unit(1), unit(2)], committed(0, 1)],
    ["nothing committed", [unit(0), unit(1)], undefined],
    ["a restart is requested", [unit(0), unit(1, { restartRequest: "new files" })], committed(0, 1)],
  ])(
    "asks when %s: units Juju no longer plans are dying, the planned ones listed",
    (_when, units, config) => {
      const result = markDying(units, config, () => ["zookeeper/0", "zookeeper/5"]);
      expect(result.units.filter((u) => u.dying).map((u) => u.name)).toEqual(
        units.filter((u) => u.number !== 0).map((u) => u.name),
      );
      expect([...(result.planned ?? [])].sort()).toEqual([0, 5]);
    },
  );
});
