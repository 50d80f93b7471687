import { describe, expect, it } from "vitest";
import { jvmFlags, serverClasspath } from "../../../src/workload/jvm";
import { JAVA_PATH, WORKLOAD_GROUP, WORKLOAD_USER, ZOO_CFG_PATH } from "../../../src/workload/paths";
import { renderMyid, renderSystemdUnit, type SystemdUnitInput } from "../../../src/workload/systemd-unit";
import { SUPPORTED_KEYS } from "../../sim/services";
import { expectGolden } from "./golden";

const SAMPLE: SystemdUnitInput = {
  javaPath: JAVA_PATH,
  jvmFlags: jvmFlags({ heapMb: 1024 }),
  classpath: serverClasspath(),
  configPath: ZOO_CFG_PATH,
  user: WORKLOAD_USER,
  group: WORKLOAD_GROUP,
};

/** The directives the emulator's service manager understands (its own list, so the two cannot drift). */
const ALLOWED = new Set(Object.values(SUPPORTED_KEYS).flat());

describe("renderSystemdUnit", () => {
  const unit = renderSystemdUnit(SAMPLE);

  it("renders the zookeeper service", () => {
    expectGolden("zookeeper.service", unit);
  });

  it("uses only directives the emulated service manager parses, ExecStart on one line", () => {
    const lines = unit.split("\n").filter((l) => l !== "" && !l.startsWith("["));
    for (const line of lines) expect(ALLOWED, line).toContain(line.slice(0, line.indexOf("=")));
    expect(lines.filter((l) => l.startsWith("ExecStart="))).toHaveLength(1);
  });

  it("ExecStart is exactly the argv: java, flags, -cp, main class, zoo.cfg", () => {
    const execStart = unit.split("\n").find((l) => l.startsWith("ExecStart="))!;
    expect(execStart.slice("ExecStart=".length).split(" ")).toEqual([
      "/usr/bin/java",
      ...SAMPLE.jvmFlags,
      "-cp",
      SAMPLE.classpath.join(":"),
      "org.apache.zookeeper.server.quorum.QuorumPeerMain",
      "/etc/zookeeper/charm/zoo.cfg",
    ]);
  });

  it.each([
    ["whitespace", "-Dx=a b"],
    ["a $ expansion", "-Dx=$HOME"],
    ["a % specifier", "-Dx=%h"],
    ["a quote", '-Dx="a"'],
    ["a lone ;", ";"],
  ])("rejects a word with %s rather than let systemd reinterpret it", (_, flag) => {
    expect(() => renderSystemdUnit({ ...SAMPLE, jvmFlags: [flag] })).toThrow(/would need quoting/);
  });
});

describe("renderMyid", () => {
  it("is the id alone on a line", () => {
    expect(renderMyid(1)).toBe("1\n");
    expect(renderMyid(255)).toBe("255\n");
  });

  it.each([0, 256, -1, 1.5])("rejects %s (ZooKeeper ids are 1..255)", (id) => {
    expect(() => renderMyid(id)).toThrow(RangeError);
  });
});
