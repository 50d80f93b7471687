/** The Machine contract against Host (this machine's filesystem and dpkg) and FakeMachine. */
import { spawnSync } from "node:child_process";
import { statSync } from "node:fs";
import { Host } from "../../../src/workload/host";
import { FakeMachine } from "../../fakes/fake-machine";
import { FakeZooKeeper } from "../../fakes/fake-zookeeper";
import { machineContract } from "../../support/machine-contract";

// dpkg-query's own format syntax, not a template string.
const format = ["-f=$", "{Version}"].join("");
// The package the charm manages, installed from the archive by scripts/setup.sh.
const zookeeperVersion = spawnSync("dpkg-query", ["-W", format, "zookeeper"], { encoding: "utf8" }).stdout;

machineContract("Host", () => ({
  machine: new Host(),
  installed: { name: "zookeeper", version: zookeeperVersion },
  modeOf: (path) => {
    try {
      return statSync(path).mode & 0o7777;
    } catch {
      return undefined;
    }
  },
}));

const fake = new FakeMachine("10.0.0.1", new FakeZooKeeper(), new Map([["zookeeper", "3.8.0-11"]]));
fake.installPackages(["zookeeper"]);
machineContract("FakeMachine", () => ({
  machine: fake,
  installed: { name: "zookeeper", version: "3.8.0-11" },
  modeOf: (path) => fake.files.get(path)?.mode ?? fake.directories.get(path)?.mode,
}));
