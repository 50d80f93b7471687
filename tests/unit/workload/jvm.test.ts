import { describe, expect, it } from "vitest";
import { jvmFlags, serverClasspath } from "../../../src/workload/jvm";

describe("serverClasspath", () => {
  it("is zookeeper.jar plus the jars Debian's manifest Class-Path omits", () => {
    expect(serverClasspath()).toEqual([
      "/usr/share/java/zookeeper.jar",
      "/usr/share/java/netty-codec.jar",
      "/usr/share/java/netty-resolver.jar",
      "/usr/share/java/slf4j-log4j12.jar",
      "/usr/share/java/log4j-1.2.jar",
    ]);
  });
});

describe("jvmFlags", () => {
  it("sets the heap, logging, JAAS, the SASL super user, IPv4 and OOM exit", () => {
    expect(jvmFlags({ heapMb: 1024 })).toEqual([
      "-Xms1024m",
      "-Xmx1024m",
      "-Dzookeeper.log.dir=/var/log/zookeeper",
      "-Dlog4j.configuration=file:/etc/zookeeper/charm/log4j.properties",
      "-Djava.security.auth.login.config=/etc/zookeeper/charm/jaas.conf",
      "-Dzookeeper.superUser=super",
      "-Djava.net.preferIPv4Stack=true",
      "-XX:+ExitOnOutOfMemoryError",
      "-Dzookeeper.enforceQuota=true",
    ]);
  });

  it("carries nothing secret: no password or digest flag, since `ps` shows the command line", () => {
    for (const flag of jvmFlags({ heapMb: 512 })) expect(flag).not.toMatch(/password|superDigest|digest/i);
  });

  it.each([0, -1, 1.5, Number.NaN])("rejects heapMb %s", (heapMb) => {
    expect(() => jvmFlags({ heapMb })).toThrow(RangeError);
  });
});
