/**
 * Config options on a running ensemble: an invalid value blocks every unit with a message naming the
 * option and restarts nothing; a valid change rolls the servers one at a time, the ZooKeeper leader
 * last, each back and serving before the next stops (sampled continuously from srvr).
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { probeSrvr } from "../../lib/zookeeper";
import type { Controller } from "../sim/controller";
import {
  APP,
  deployZookeeper,
  destroyModel,
  expectHealthyEnsemble,
  expectZnodesOnEveryMember,
  liveUnits,
  newModel,
  serverPid,
  writeZnodes,
  zookeeperLeader,
} from "./support/charm-model";

let controller: Controller;
const written: string[] = [];

beforeAll(async () => {
  controller = await newModel();
  await deployZookeeper(controller, 3);
  written.push(...(await writeZnodes(controller, "config", 5)));
});
afterAll(async () => {
  await destroyModel(controller);
});

function pids(): Record<string, number> {
  return Object.fromEntries(
    liveUnits(controller).map((unit) => [unit.name, serverPid(controller, unit.name)]),
  );
}

function zooCfg(unit: string): string {
  return readFileSync(controller.machine(unit).path("/etc/zookeeper/charm/zoo.cfg"), "utf8");
}

/**
 * Samples every unit's srvr until stopped: the largest number of servers down at once (not answering
 * at all). A reachable server that is not serving is in a leader election, which restarting the
 * ZooKeeper leader causes once; that is why it restarts last.
 */
function watchServing(): { stop: () => Promise<number> } {
  let running = true;
  let worst = 0;
  const loop = (async () => {
    while (running) {
      const probes = await Promise.all(
        liveUnits(controller).map((unit) =>
          probeSrvr(`${unit.address}:2181`, { timeoutMs: 500 }).then(
            () => true,
            () => false,
          ),
        ),
      );
      worst = Math.max(worst, probes.filter((reachable) => !reachable).length);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  })();
  return {
    stop: async () => {
      running = false;
      await loop;
      return worst;
    },
  };
}

describe("files", () => {
  it("secrets stay private, also in the files ZooKeeper rewrote after reconfigs", () => {
    for (const unit of liveUnits(controller)) {
      const dir = controller.machine(unit.name).path("/etc/zookeeper/charm");
      expect(statSync(dir).mode & 0o777).toBe(0o750);
      expect(statSync(`${dir}/jaas.conf`).mode & 0o777).toBe(0o600);
      const written = readdirSync(dir).filter((name) => /^zoo\.cfg(\.dynamic\.[0-9a-f]+)?$/.test(name));
      expect(written.length).toBeGreaterThan(1);
      for (const name of written) expect(statSync(`${dir}/${name}`).mode & 0o007).toBe(0);
      // ZooKeeper itself rewrote zoo.cfg: it now points at a versioned dynamic file.
      expect(zooCfg(unit.name)).toMatch(/dynamicConfigFile=.*zoo\.cfg\.dynamic\.[0-9a-f]+/);
    }
  });
});

describe("config options", () => {
  it("autopurge is on by default", () => {
    for (const unit of liveUnits(controller)) {
      expect(zooCfg(unit.name)).toContain("autopurge.purgeInterval=1");
      expect(zooCfg(unit.name)).toContain("autopurge.snapRetainCount=3");
    }
  });

  it("an invalid value blocks every unit, names the option, and restarts nothing", async () => {
    const before = pids();
    controller.setConfig(APP, { "tick-time": "0", "log-level": "LOUD" });
    await controller.waitFor({ timeoutMs: 120_000 });
    for (const unit of controller.unitsOf(APP)) {
      expect(unit.workloadStatus.status).toBe("blocked");
      expect(unit.workloadStatus.message).toContain("tick-time must be between 100 and 60000");
      expect(unit.workloadStatus.message).toContain("log-level must be one of DEBUG, INFO, WARNING, ERROR");
    }
    expect(pids()).toEqual(before);
    for (const unit of liveUnits(controller)) expect(zooCfg(unit.name)).toContain("tickTime=2000");
  });

  it("fixing the value rolls the ensemble: one server at a time, the ZooKeeper leader last", async () => {
    const before = pids();
    const zkLeader = await zookeeperLeader(controller);
    const watcher = watchServing();
    const order: string[] = [];
    const tracker = setInterval(() => {
      for (const unit of liveUnits(controller)) {
        const pid = controller.serviceManager(unit.name).mainPid("zookeeper");
        if (pid !== undefined && pid !== before[unit.name] && !order.includes(unit.name))
          order.push(unit.name);
      }
    }, 50);
    controller.setConfig(APP, { "tick-time": "2500" }, ["log-level"]);
    await controller.waitFor({ timeoutMs: 300_000 });
    clearInterval(tracker);
    const worstDown = await watcher.stop();
    expect(worstDown).toBeLessThanOrEqual(1);
    expect(order).toHaveLength(3);
    expect(order.at(-1)).toBe(zkLeader);
    for (const unit of liveUnits(controller)) expect(zooCfg(unit.name)).toContain("tickTime=2500");
    await expectHealthyEnsemble(controller);
    await expectZnodesOnEveryMember(controller, written);
  });

  it("log-level=DEBUG reaches ZooKeeper's own log file", async () => {
    controller.setConfig(APP, { "log-level": "DEBUG" });
    await controller.waitFor({ timeoutMs: 300_000 });
    await expectHealthyEnsemble(controller);
    const unit = liveUnits(controller)[0]!.name;
    const log = readFileSync(controller.machine(unit).path("/var/log/zookeeper/zookeeper.log"), "utf8");
    expect(log).toMatch(/ DEBUG /);
  });
});
