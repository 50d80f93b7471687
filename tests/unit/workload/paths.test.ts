import { describe, expect, it } from "vitest";
import {
  CONF_DIR,
  INITIAL_DYNAMIC_CONFIG_PATH,
  MANAGED_DIRECTORIES,
  MANAGED_FILES,
  ZOO_CFG_PATH,
} from "../../../src/workload/paths";

describe("paths", () => {
  it("keeps the dynamic file next to zoo.cfg, where ZooKeeper writes zoo.cfg.dynamic.<version>", () => {
    expect(INITIAL_DYNAMIC_CONFIG_PATH).toBe(`${ZOO_CFG_PATH}.dynamic`);
    expect(MANAGED_DIRECTORIES.conf).toEqual({
      path: CONF_DIR,
      mode: 0o750,
      owner: "zookeeper",
      group: "zookeeper",
    });
  });

  it("files holding secrets are not world-readable", () => {
    expect(MANAGED_FILES.jaas.mode).toBe(0o600);
    expect(MANAGED_FILES.zooCfg.mode).toBe(0o640);
    for (const spec of Object.values(MANAGED_FILES)) {
      if (spec !== MANAGED_FILES.systemdUnit) expect(spec.owner).toBe("zookeeper");
    }
  });
});
