import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import {
  mergeZooCfg,
  parseZooCfg,
  renderZooCfg,
  staticConfigChanges,
  type ZooCfgInput,
} from "../../../src/workload/zoo-cfg";
import { expectGolden } from "./golden";

const SUPER_DIGEST = "aVDbMJN1rWj6VKRFxbLq7qU00lY="; // base64(sha1("super:not-a-real-password"))

const SAMPLE: ZooCfgInput = {
  tickTime: 2000,
  initLimit: 5,
  syncLimit: 2,
  autopurgeSnapRetainCount: 3,
  autopurgePurgeInterval: 1,
  superDigest: SUPER_DIGEST,
};

const desired = renderZooCfg(SAMPLE);

/** What ZooKeeper 3.8 leaves after a reconfig: Properties order, no comments, clientPort* dropped. */
function rewrittenByZooKeeper(text: string, dynamicFile: string): string {
  const kept = [...parseZooCfg(text)].filter(([key]) => key !== "dynamicConfigFile" && key !== "clientPort");
  return `${[...kept.reverse().map(([k, v]) => `${k}=${v}`), `dynamicConfigFile=${dynamicFile}`].join("\n")}\n`;
}

describe("renderZooCfg", () => {
  it("renders the static zoo.cfg for a sample unit", () => {
    expectGolden("zoo.cfg", desired);
  });

  it("renders no membership: ZooKeeper owns server.N lines", () => {
    expect([...parseZooCfg(desired).keys()].filter((k) => k.startsWith("server."))).toEqual([]);
  });

  it("derives the session timeout bounds from tickTime (2 and 20 ticks)", () => {
    const cfg = parseZooCfg(renderZooCfg({ ...SAMPLE, tickTime: 500 }));
    expect(cfg.get("minSessionTimeout")).toBe("1000");
    expect(cfg.get("maxSessionTimeout")).toBe("10000");
  });

  it("accepts a digest computed as ZooKeeper's DigestAuthenticationProvider does", () => {
    const digest = createHash("sha1").update("super:not-a-real-password").digest("base64");
    expect(
      parseZooCfg(renderZooCfg({ ...SAMPLE, superDigest: digest })).get(
        "DigestAuthenticationProvider.superDigest",
      ),
    ).toBe(`super:${SUPER_DIGEST}`);
  });

  it.each([
    ["a super:-prefixed digest", `super:${SUPER_DIGEST}`],
    ["a clear-text password", "not-a-real-password"],
    ["an empty string", ""],
  ])("rejects %s as superDigest", (_, superDigest) => {
    expect(() => renderZooCfg({ ...SAMPLE, superDigest })).toThrow(/superDigest/);
  });

  it("turns the AdminServer off: ZooKeeper 3.8's has no authentication and shows the super digest", () => {
    const cfg = parseZooCfg(renderZooCfg(SAMPLE));
    expect(cfg.get("admin.enableServer")).toBe("false");
    expect([...cfg.keys()].filter((key) => key.startsWith("admin."))).toEqual(["admin.enableServer"]);
  });
});

describe("renderZooCfg with TLS", () => {
  const withTls = (phase: "unify" | "quorum" | "on") =>
    parseZooCfg(
      renderZooCfg({
        ...SAMPLE,
        tls: { phase, address: "10.0.0.7", keyStore: "/k/server.pem", trustStore: "/k/ca.pem" },
      }),
    );

  it("follows upstream's no-downtime steps: unify, then TLS between servers, then TLS only", () => {
    expect(
      [withTls("unify"), withTls("quorum"), withTls("on")].map((cfg) => [
        cfg.get("sslQuorum"),
        cfg.get("portUnification"),
      ]),
    ).toEqual([
      ["false", "true"],
      ["true", "true"],
      ["true", "false"],
    ]);
  });

  it("serves TLS clients on 2182 of the unit's address with PEM stores, and TLS on the plaintext port too", () => {
    const cfg = withTls("on");
    expect(cfg.get("serverCnxnFactory")).toBe("org.apache.zookeeper.server.NettyServerCnxnFactory");
    expect(cfg.get("secureClientPort")).toBe("2182");
    expect(cfg.get("secureClientPortAddress")).toBe("10.0.0.7");
    expect(cfg.get("client.portUnification")).toBe("true");
    for (const prefix of ["ssl.", "ssl.quorum."]) {
      expect(cfg.get(`${prefix}keyStore.location`)).toBe("/k/server.pem");
      expect(cfg.get(`${prefix}keyStore.type`)).toBe("PEM");
      expect(cfg.get(`${prefix}trustStore.location`)).toBe("/k/ca.pem");
      expect(cfg.get(`${prefix}trustStore.type`)).toBe("PEM");
    }
    expect(cfg.get("sslQuorumReloadCertFiles")).toBe("true");
    expect(cfg.get("ssl.clientAuth")).toBe("none");
    const mutual = parseZooCfg(
      renderZooCfg({
        ...SAMPLE,
        tls: {
          phase: "on",
          address: "10.0.0.7",
          keyStore: "/k/s.pem",
          trustStore: "/k/ca.pem",
          clientAuth: "need",
        },
      }),
    );
    expect(mutual.get("ssl.clientAuth")).toBe("need");
    // No TLS keys at all without TLS.
    expect(
      [...parseZooCfg(desired).keys()].filter((key) => /ssl|secure|Unification|serverCnxnFactory/i.test(key)),
    ).toEqual([]);
  });
});

describe("parseZooCfg", () => {
  it("reads Properties-style lines, skipping comments and blanks; the last duplicate wins", () => {
    const cfg = parseZooCfg(
      "# c\n! c\n\n  tickTime = 2000 \ninitLimit:5\nsyncLimit 2\nx=a=b\ntickTime=3000\r\n",
    );
    expect([...cfg]).toEqual([
      ["tickTime", "3000"],
      ["initLimit", "5"],
      ["syncLimit", "2"],
      ["x", "a=b"],
    ]);
  });
});

describe("staticConfigChanges", () => {
  it("reordered keys and dropped comments are no change", () => {
    const reordered = `${desired
      .split("\n")
      .filter((l) => l && !l.startsWith("#"))
      .reverse()
      .join("\n")}\n`;
    expect(staticConfigChanges(reordered, desired)).toEqual([]);
  });

  it("a changed tickTime is reported as ['tickTime']", () => {
    const current = desired.replace("tickTime=2000", "tickTime=3000");
    expect(staticConfigChanges(current, desired)).toEqual(["tickTime"]);
  });

  it("a tick-time config change also changes the session timeouts derived from it", () => {
    const current = renderZooCfg({ ...SAMPLE, tickTime: 3000 });
    expect(staticConfigChanges(current, desired)).toEqual([
      "tickTime",
      "minSessionTimeout",
      "maxSessionTimeout",
    ]);
  });

  it("a changed init-limit alone is reported as exactly ['initLimit']", () => {
    expect(staticConfigChanges(renderZooCfg({ ...SAMPLE, initLimit: 10 }), desired)).toEqual(["initLimit"]);
  });

  it("ZooKeeper rewriting dynamicConfigFile and dropping clientPort after a reconfig is no change", () => {
    const withClientPort = `${desired}clientPort=2181\n`;
    const current = rewrittenByZooKeeper(withClientPort, "/etc/zookeeper/charm/zoo.cfg.dynamic.100000003");
    expect(current).not.toContain("clientPort");
    expect(staticConfigChanges(current, withClientPort)).toEqual([]);
  });

  it("ignores membership keys ZooKeeper owns (server.*, group*, weight*, peerType, version)", () => {
    const current = `${desired}server.1=10.0.0.1:2888:3888:participant;2181\ngroup.1=1\nweight.1=1\npeerType=observer\nversion=100000000\nclientPortAddress=10.0.0.1\n`;
    expect(staticConfigChanges(current, desired)).toEqual([]);
  });

  it("reports a key the desired config no longer has, and one it newly has", () => {
    const current = desired.replace(/^enforce\.auth\.enabled=.*\n/m, "").concat("skipACL=yes\n");
    expect(staticConfigChanges(current, desired)).toEqual(["enforce.auth.enabled", "skipACL"]);
  });

  it("reports secureClientPort: ZooKeeper never rewrites it, so a difference is a real TLS change", () => {
    expect(staticConfigChanges(desired, `${desired}secureClientPort=2182\n`)).toEqual(["secureClientPort"]);
  });

  it("reports everything against an empty file", () => {
    expect(staticConfigChanges("", desired)).toHaveLength(parseZooCfg(desired).size - 1); // minus dynamicConfigFile
  });
});

describe("mergeZooCfg", () => {
  it("writes the desired text when there is no file yet", () => {
    expect(mergeZooCfg(undefined, desired)).toBe(desired);
  });

  it("keeps ZooKeeper's current dynamicConfigFile so membership is not rolled back", () => {
    const current = rewrittenByZooKeeper(desired, "/etc/zookeeper/charm/zoo.cfg.dynamic.100000003");
    const merged = mergeZooCfg(current, renderZooCfg({ ...SAMPLE, tickTime: 3000 }));
    const cfg = parseZooCfg(merged);
    expect(cfg.get("dynamicConfigFile")).toBe("/etc/zookeeper/charm/zoo.cfg.dynamic.100000003");
    expect(cfg.get("tickTime")).toBe("3000");
    expect(merged.match(/dynamicConfigFile=/g)).toHaveLength(1);
    expectGolden("zoo.cfg.merged", merged);
  });

  it("is the desired text when the current file has no dynamicConfigFile", () => {
    expect(mergeZooCfg("tickTime=2000\n", desired)).toBe(desired);
  });

  it("appends the kept dynamicConfigFile when the desired text lacks one", () => {
    expect(mergeZooCfg("dynamicConfigFile=/x.dynamic.2\n", "tickTime=2000")).toBe(
      "tickTime=2000\ndynamicConfigFile=/x.dynamic.2\n",
    );
  });

  it("after merging, the written file differs from the desired one in nothing that matters", () => {
    const current = rewrittenByZooKeeper(desired, "/etc/zookeeper/charm/zoo.cfg.dynamic.100000003");
    expect(staticConfigChanges(mergeZooCfg(current, desired), desired)).toEqual([]);
  });
});
