import { describe, expect, it } from "vitest";
import type { EnsembleConfig } from "../../../lib/zookeeper";
import type { PeerUnit } from "../../../src/cluster/cluster-plan";
import { type UpgradeCheckInput, upgradeBlocker } from "../../../src/cluster/upgrade-check";
import type { ServerProbe } from "../../../src/ports";

const names = ["zookeeper/0", "zookeeper/1", "zookeeper/2"];
const unit = (name: string, change: Partial<PeerUnit> = {}): PeerUnit => ({
  name,
  number: Number(name.split("/")[1]),
  address: `10.0.0.${Number(name.split("/")[1]) + 1}`,
  started: true,
  dying: false,
  restartRequest: undefined,
  credentials: "00000000000000aa",
  runningConfig: "00000000000000bb",
  runningTls: "off",
  ...change,
});
const serving = (mode: ServerProbe["mode"]): ServerProbe => ({ reachable: true, serving: true, mode });
const committed = (ids: number[]): EnsembleConfig => ({
  version: 0x100000000n,
  servers: ids.map((id) => ({
    id,
    role: "participant",
    address: `10.0.0.${id}`,
    quorumPort: 2888,
    electionPort: 3888,
    clientPort: 2181,
  })),
});
const ready: UpgradeCheckInput = {
  units: names.map((name) => unit(name)),
  planned: names,
  appData: { credentials: "00000000000000aa" },
  probes: new Map([
    ["zookeeper/0", serving("follower")],
    ["zookeeper/1", serving("leader")],
    ["zookeeper/2", serving("follower")],
  ]),
  committed: committed([1, 2, 3]),
};

describe("upgradeBlocker", () => {
  it("lets a settled ensemble be upgraded", () => {
    expect(upgradeBlocker(ready)).toBeUndefined();
  });

  it.each<[string, Partial<UpgradeCheckInput>, string]>([
    ["a unit Juju is adding", { planned: [...names, "zookeeper/3"] }, "units are being added or removed"],
    ["a unit Juju is removing", { planned: names.slice(0, 2) }, "units are being added or removed"],
    [
      "a unit not started yet",
      { units: [unit(names[0]!, { started: false }), unit(names[1]!), unit(names[2]!)] },
      "Charm has not finished initialising",
    ],
    [
      "a server not serving",
      {
        probes: new Map([
          ...ready.probes,
          ["zookeeper/2", { reachable: true, serving: false, mode: undefined }],
        ]),
      },
      "Not all application units are connected and broadcasting in the quorum",
    ],
    [
      "no leader",
      { probes: new Map(names.map((name) => [name, serving("follower")])) },
      "Quorum leader not found",
    ],
    ["a unit not yet voting", { committed: committed([1, 2]) }, "Some quorum members are still syncing data"],
    [
      "a restart turn granted",
      { appData: { ...ready.appData, "restart-granted": "zookeeper/0" } },
      "a rolling restart is in progress",
    ],
    [
      "servers running different configurations",
      { units: [unit(names[0]!, { runningConfig: "00000000000000cc" }), unit(names[1]!), unit(names[2]!)] },
      "a rolling restart is in progress",
    ],
    [
      "a sync rotation",
      { appData: { ...ready.appData, "sync-rotation": "accept" } },
      "a password rotation is in progress",
    ],
    [
      "a server on old credentials",
      { units: [unit(names[0]!, { credentials: "00000000000000ff" }), unit(names[1]!), unit(names[2]!)] },
      "a password rotation is in progress",
    ],
    [
      "a ZooKeeper upgrade rolling",
      {
        appData: { ...ready.appData, "zookeeper-version": "3.8.0-2" },
        units: [unit(names[0]!, { runningVersion: "3.8.0-1" }), unit(names[1]!), unit(names[2]!)],
      },
      "an upgrade of ZooKeeper to 3.8.0-2 is in progress",
    ],
    [
      "a ZooKeeper upgrade stopped by a failed check",
      { units: [unit(names[0]!, { upgradeFailed: "3.8.0-3" }), unit(names[1]!), unit(names[2]!)] },
      "an upgrade of ZooKeeper to 3.8.0-3 is in progress",
    ],
    [
      "a TLS switch",
      { appData: { ...ready.appData, tls: "quorum" } },
      "a switch to or from TLS is in progress",
    ],
    [
      "TLS on but a server not yet",
      { appData: { ...ready.appData, tls: "on" } },
      "a switch to or from TLS is in progress",
    ],
  ])("refuses with %s", (_, change, cause) => {
    expect(upgradeBlocker({ ...ready, ...change })).toBe(cause);
  });
});
