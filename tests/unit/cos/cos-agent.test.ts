import { describe, expect, it } from "vitest";
import { blake2bHex } from "../../../src/cos/blake2b";
import {
  cosAgentConfig,
  groupName,
  pythonJsonDumps,
  scrapeJob,
  topologyRules,
} from "../../../src/cos/cos-agent";

const topology = {
  model: "test",
  modelUuid: "58b48ff0-608b-435f-83b9-ea643e0b98db",
  application: "zookeeper",
  charm: "zookeeper",
};
const bytes = (text: string) => new TextEncoder().encode(text);

describe("BLAKE2b with a short digest (the library's job-name hash)", () => {
  it("matches Python's hashlib.blake2b(digest_size=4)", () => {
    // python3 -c 'import hashlib; print(hashlib.blake2b(b"abc", digest_size=4).hexdigest())'
    expect(blake2bHex(bytes("abc"), 4)).toBe("63906248");
    expect(blake2bHex(bytes(""), 4)).toBe("1271cf25");
    expect(blake2bHex(bytes("x".repeat(300)), 4)).toBe("b12499e1");
  });

  it("is Node's blake2b512 at 64 bytes", async () => {
    const { createHash } = await import("node:crypto");
    for (const text of ["", "abc", "y".repeat(128), "z".repeat(129)]) {
      expect(blake2bHex(bytes(text), 64)).toBe(createHash("blake2b512").update(text).digest("hex"));
    }
  });
});

describe("the cos_agent provider data", () => {
  it("serializes as Python's json.dumps(sort_keys=True)", () => {
    // python3 -c 'import json; print(json.dumps({"b":"é\u2028","a":[1,2.5,True,None]}, sort_keys=True))'
    expect(pythonJsonDumps({ b: "é\u2028", a: [1, 2.5, true, null] })).toBe(
      '{"a": [1, 2.5, true, null], "b": "\\u00e9\\u2028"}',
    );
  });

  it("names scrape jobs as the library does", () => {
    const job = { metrics_path: "/metrics", static_configs: [{ targets: ["localhost:7000"] }] };
    // The library's name for metrics_endpoints [{path: /metrics, port: 7000}] on application zookeeper.
    expect(scrapeJob("zookeeper", job).job_name).toBe("zookeeper_default_b016ec49");
    expect(scrapeJob("zookeeper", { ...job, job_name: "zk" }).job_name).toBe("zookeeper_zk_b016ec49");
  });

  it("names rule groups and labels rules with the topology, adding the HostHealth group", () => {
    expect(groupName(topology, "zookeeper.alerts")).toBe("test_58b48ff0_zookeeper_zookeeper_alerts_rules");
    expect(groupName(topology, "test_58b48ff0_zookeeper_x_rules")).toBe("test_58b48ff0_zookeeper_x_rules");
    const rules = topologyRules(topology, [
      {
        name: "zookeeper",
        rules: [{ alert: "A", expr: "up{%%juju_topology%%} == 0", labels: { severity: "critical" } }],
      },
    ]);
    expect(rules.groups.map((group) => group.name)).toEqual([
      "test_58b48ff0_zookeeper_zookeeper_rules",
      "test_58b48ff0_zookeeper_HostHealth_rules",
    ]);
    expect(rules.groups[0]?.rules[0]).toEqual({
      alert: "A",
      expr: "up{} == 0",
      labels: {
        severity: "critical",
        juju_model: "test",
        juju_model_uuid: topology.modelUuid,
        juju_application: "zookeeper",
        juju_charm: "zookeeper",
      },
    });
  });

  it("writes the library's fields in its order, scraping the unit's own address", () => {
    const config = cosAgentConfig(
      topology,
      { metricsRuleGroups: [], dashboards: ["/Td6WFoAAATm1rRG"] },
      "10.0.0.5:7000",
    );
    const parsed = JSON.parse(config);
    expect(Object.keys(parsed)).toEqual([
      "metrics_alert_rules",
      "log_alert_rules",
      "dashboards",
      "subordinate",
      "metrics_scrape_jobs",
      "log_slots",
      "tracing_protocols",
    ]);
    expect(parsed).toMatchObject({
      log_alert_rules: {},
      dashboards: ["/Td6WFoAAATm1rRG"],
      subordinate: null,
      log_slots: [],
      tracing_protocols: null,
    });
    expect(parsed.metrics_scrape_jobs).toEqual([
      {
        metrics_path: "/metrics",
        static_configs: [{ targets: ["10.0.0.5:7000"] }],
        job_name: expect.stringMatching(/^zookeeper_default_[0-9a-f]{8}$/),
      },
    ]);
  });
});
