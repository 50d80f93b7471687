/**
 * The JVM's classpath and flags, checked by what they do rather than restated: the classpath runs
 * the installed ZooKeeper with a working SLF4J binding, and each flag says what the charm's files
 * and config mean it to say.
 */
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { jvmFlags, serverClasspath } from "../../../src/workload/jvm";
import { JAAS_PATH, LOG_DIR, LOG4J_PROPERTIES_PATH, SUPER_USER } from "../../../src/workload/paths";

/** The value of `-D<name>=` in `flags`. */
function property(flags: readonly string[], name: string): string | undefined {
  return flags.find((flag) => flag.startsWith(`-D${name}=`))?.slice(`-D${name}=`.length);
}

describe("serverClasspath", () => {
  it("lists jars that exist here, zookeeper.jar first", () => {
    const classpath = serverClasspath();
    expect(classpath[0]).toMatch(/\/zookeeper\.jar$/);
    for (const jar of classpath) expect(existsSync(jar), jar).toBe(true);
  });

  it("runs the installed ZooKeeper's classes, logging through a real SLF4J binding", () => {
    const result = spawnSync("java", ["-cp", serverClasspath().join(":"), "org.apache.zookeeper.Version"], {
      encoding: "utf8",
      timeout: 60_000,
    });
    const installed = spawnSync("dpkg-query", ["-W", ["-f=$", "{Version}"].join(""), "zookeeper"], {
      encoding: "utf8",
    }).stdout;
    expect(result.status).toBe(0);
    // Debian's 3.8.0-11 prints 3.8.0-…: the jar on the classpath is the installed package's.
    expect(result.stdout.split("-")[0]).toBe(installed.split("-")[0]);
    // Without a binding SLF4J falls back to its no-op logger and says so; log4j 1.2 answers instead.
    expect(result.stderr).not.toContain("StaticLoggerBinder");
    expect(result.stderr).toContain("log4j");
  });
});

describe("jvmFlags", () => {
  it("fixes the heap at the configured size (equal minimum and maximum)", () => {
    const flags = jvmFlags({ heapMb: 768 });
    expect(flags.filter((flag) => /^-Xm[sx]/.test(flag)).sort()).toEqual(["-Xms768m", "-Xmx768m"]);
  });

  it("points the JVM at the charm's own files and names the SASL super user", () => {
    const flags = jvmFlags({ heapMb: 256 });
    expect(property(flags, "java.security.auth.login.config")).toBe(JAAS_PATH);
    expect(property(flags, "log4j.configuration")).toBe(`file:${LOG4J_PROPERTIES_PATH}`);
    expect(property(flags, "zookeeper.log.dir")).toBe(LOG_DIR);
    expect(property(flags, "zookeeper.superUser")).toBe(SUPER_USER);
    expect(property(flags, "zookeeper.enforceQuota")).toBe("true");
    expect(property(flags, "zookeeper.fastleader.maxNotificationInterval")).toBe("5000");
    expect(property(flags, "java.net.preferIPv4Stack")).toBe("true");
    expect(flags).toContain("-XX:+ExitOnOutOfMemoryError");
  });

  it("carries nothing secret: no password or digest flag, since `ps` shows the command line", () => {
    for (const flag of jvmFlags({ heapMb: 512 })) expect(flag).not.toMatch(/password|superDigest|digest/i);
  });

  it.each([0, -1, 1.5, Number.NaN])("rejects heapMb %s", (heapMb) => {
    expect(() => jvmFlags({ heapMb })).toThrow(RangeError);
  });
});
