import { readFileSync } from "node:fs";
import { afterAll, beforeEach, describe, expect, it } from "vitest";
import {
  HookToolError,
  HookTools,
  NotLeaderError,
  PermissionDeniedError,
  RelationNotFoundError,
  SecretNotFoundError,
  secretBareId,
  type ToolRunner,
  ToolUsageError,
} from "../../../lib/juju";
import { FakeTools } from "./fake-tools";

const fake = new FakeTools();
afterAll(() => fake.cleanup());

const cluster = { endpoint: "cluster", id: 3 };
let tools: HookTools;

beforeEach(() => {
  fake.reset();
  tools = new HookTools(fake.runner);
});

describe("relation tools", () => {
  it("relation-ids: argv, parsing of endpoint:id, cached", () => {
    fake.answer("relation-ids", { stdout: '["cluster:3","cluster:10"]\n' });
    expect(tools.relationIds("cluster")).toEqual([3, 10]);
    expect(tools.relationIds("cluster")).toEqual([3, 10]);
    expect(fake.argvs).toEqual([["relation-ids", "cluster", "--format=json"]]);
  });

  it("relation-ids: [] when there are none", () => {
    fake.answer("relation-ids", { stdout: "[]\n" });
    expect(tools.relationIds("zookeeper")).toEqual([]);
  });

  it("relation-list: units and the remote app", () => {
    fake.answer("relation-list", { stdout: '["zookeeper/1","zookeeper/2"]\n' });
    expect(tools.relationList(cluster)).toEqual(["zookeeper/1", "zookeeper/2"]);
    fake.answer("relation-list", { stdout: '"zookeeper"\n' });
    expect(tools.relationRemoteApp(cluster)).toBe("zookeeper");
    expect(fake.argvs).toEqual([
      ["relation-list", "--format=json", "-r", "cluster:3"],
      ["relation-list", "--format=json", "--app", "-r", "cluster:3"],
    ]);
  });

  it("relation-get: unit and app bags, exact argv, non-string values dropped, cached", () => {
    fake.answer("relation-get", { stdout: '{"ingress-address":"127.1.0.2","state":"started","n":1}\n' });
    expect(tools.relationGet(cluster, "zookeeper/1", false)).toEqual({
      "ingress-address": "127.1.0.2",
      state: "started",
    });
    tools.relationGet(cluster, "zookeeper/1", false);
    fake.answer("relation-get", { stdout: "{}\n" });
    expect(tools.relationGet(cluster, "zookeeper", true)).toEqual({});
    expect(fake.argvs).toEqual([
      ["relation-get", "--format=json", "-r", "cluster:3", "-", "zookeeper/1"],
      ["relation-get", "--format=json", "-r", "cluster:3", "--app", "-", "zookeeper"],
    ]);
  });

  it("relation-set: values as JSON on stdin (any string survives), --app, cache updated", () => {
    fake.answer("relation-get", { stdout: '{"a":"1","gone":"x"}\n' });
    expect(tools.relationGet(cluster, "zookeeper", true)).toEqual({ a: "1", gone: "x" });
    const tricky = "line one\nline two = 'quoted' \"double\" $HOME `cmd` --flag";
    tools.relationSet(cluster, "zookeeper", { a: tricky, gone: "" }, true);
    const call = fake.calls[1]!;
    expect(call.argv).toEqual(["relation-set", "-r", "cluster:3", "--app", "--file", "-"]);
    expect(JSON.parse(call.stdin)).toEqual({ a: tricky, gone: "" });
    expect(tools.relationGet(cluster, "zookeeper", true)).toEqual({ a: tricky });
    expect(fake.calls).toHaveLength(2);
  });

  it("relation-set: nothing to write sends nothing", () => {
    tools.relationSet(cluster, "zookeeper/0", {}, false);
    expect(fake.calls).toHaveLength(0);
  });

  it("relation-get of an unknown relation is RelationNotFoundError with argv, code and stderr", () => {
    fake.answer("relation-get", {
      stderr: 'ERROR invalid value "cluster:9" for flag -r: relation not found\n',
      exitCode: 2,
    });
    const error = (() => {
      try {
        tools.relationGet({ endpoint: "cluster", id: 9 }, "zookeeper/1", false);
      } catch (caught) {
        return caught;
      }
    })();
    expect(error).toBeInstanceOf(RelationNotFoundError);
    expect(error).toMatchObject({
      exitCode: 2,
      argv: ["relation-get", "--format=json", "-r", "cluster:9", "-", "zookeeper/1"],
      stderr: 'ERROR invalid value "cluster:9" for flag -r: relation not found\n',
    });
  });

  it("a non-leader relation-set --app is NotLeaderError", () => {
    fake.answer("relation-set", { stderr: "ERROR cannot write relation settings\n", exitCode: 1 });
    expect(() => tools.relationSet(cluster, "zookeeper", { a: "b" }, true)).toThrow(NotLeaderError);
  });

  it("reading the own app bag of a non-peer relation as non-leader is PermissionDeniedError", () => {
    fake.answer("relation-get", { stderr: "ERROR permission denied\n", exitCode: 1 });
    expect(() => tools.relationGet({ endpoint: "zookeeper", id: 7 }, "zookeeper", true)).toThrow(
      PermissionDeniedError,
    );
  });
});

describe("leadership, config, status, version, log", () => {
  it("is-leader parses JSON booleans and asks once", () => {
    fake.answer("is-leader", { stdout: "true\n" });
    expect(tools.isLeader()).toBe(true);
    expect(tools.isLeader()).toBe(true);
    expect(fake.argvs).toEqual([["is-leader", "--format=json"]]);
  });

  it("is-leader is trusted for 30 s, as ops trusts it, then asked again (leadership can be lost in a long hook)", () => {
    let now = 1_000_000;
    const timed = new HookTools(fake.runner, () => now);
    fake.answer("is-leader", { stdout: "true\n" });
    expect(timed.isLeader()).toBe(true);
    now += 29_000;
    fake.answer("is-leader", { stdout: "false\n" });
    expect(timed.isLeader()).toBe(true);
    now += 1_000;
    expect(timed.isLeader()).toBe(false);
    expect(fake.argvs.filter((argv) => argv[0] === "is-leader")).toHaveLength(2);
  });

  it("a refused leader-only call ends the trust in an earlier is-leader answer (Juju's minion is sticky)", () => {
    fake.answer("is-leader", { stdout: "true\n" });
    expect(tools.isLeader()).toBe(true);
    fake.answer("relation-set", { stderr: "ERROR cannot write relation settings\n", exitCode: 1 });
    expect(() => tools.relationSet(cluster, "zookeeper", { a: "b" }, true)).toThrow(NotLeaderError);
    expect(tools.isLeader()).toBe(false);
    expect(fake.argvs.filter((argv) => argv[0] === "is-leader")).toHaveLength(1);
  });

  it("config-get returns typed values", () => {
    fake.answer("config-get", { stdout: '{"init-limit":5,"log-level":"INFO","flag":true}\n' });
    expect(tools.configGet()).toEqual({ "init-limit": 5, "log-level": "INFO", flag: true });
    expect(fake.argvs).toEqual([["config-get", "--format=json"]]);
  });

  it("status-set for the unit and the application, message after --", () => {
    tools.statusSet("waiting", "--looks like a flag");
    tools.statusSet("active", "", true);
    expect(fake.argvs).toEqual([
      ["status-set", "--application=False", "waiting", "--", "--looks like a flag"],
      ["status-set", "--application=True", "active", "--", ""],
    ]);
  });

  it("an invalid status is a usage error", () => {
    fake.answer("status-set", {
      stderr: 'ERROR invalid status "error", expected one of [maintenance blocked waiting active]\n',
      exitCode: 2,
    });
    expect(() => tools.statusSet("active", "x")).toThrow(ToolUsageError);
  });

  it("status-get for unit and application", () => {
    fake.answer("status-get", { stdout: '{"message":"ready","status":"active","status-data":{}}\n' });
    expect(tools.statusGet()).toEqual({ status: "active", message: "ready" });
    fake.answer("status-get", {
      stdout:
        '{"application-status":{"message":"m","status":"blocked","status-data":{},"units":{"zookeeper/0":{"message":"","status":"active","status-data":{}}}}}\n',
    });
    expect(tools.statusGet(true)).toEqual({ status: "blocked", message: "m" });
    expect(fake.argvs).toEqual([
      ["status-get", "--include-data", "--format=json", "--application=false"],
      ["status-get", "--include-data", "--format=json", "--application=true"],
    ]);
  });

  it("a non-leader status-get --application is NotLeaderError", () => {
    fake.answer("status-get", {
      stderr: "ERROR finding application status: this unit is not the leader\n",
      exitCode: 1,
    });
    expect(() => tools.statusGet(true)).toThrow(NotLeaderError);
  });

  it("application-version-set and juju-log", () => {
    tools.applicationVersionSet("3.8.0");
    tools.jujuLog("WARNING", "-x multi\nline");
    expect(fake.argvs).toEqual([
      ["application-version-set", "--", "3.8.0"],
      ["juju-log", "--log-level", "WARNING", "--", "-x multi\nline"],
    ]);
  });
});

describe("action tools", () => {
  it("action-get returns typed params", () => {
    fake.answer("action-get", { stdout: '{"username":"super","n":3}\n' });
    expect(tools.actionGet()).toEqual({ username: "super", n: 3 });
    expect(fake.argvs).toEqual([["action-get", "--format=json"]]);
  });

  it("action-set flattens nested results to dotted keys; values never reach error messages", () => {
    tools.actionSet({ "super-password": "s3cret", nested: { "a-b": 1, c: "x=y" } });
    expect(fake.argvs).toEqual([["action-set", "super-password=s3cret", "nested.a-b=1", "nested.c=x=y"]]);
    fake.answer("action-set", { stderr: "ERROR boom\n", exitCode: 1 });
    try {
      tools.actionSet({ "super-password": "s3cret" });
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(HookToolError);
      expect((error as HookToolError).argv).toEqual(["action-set", "<redacted>"]);
      expect((error as Error).message).not.toContain("s3cret");
    }
  });

  it("action-set rejects keys Juju would reject", () => {
    expect(() => tools.actionSet({ Bad_Key: "x" })).toThrow(/not valid/);
    expect(fake.calls).toHaveLength(0);
  });

  it("action-fail and action-log put the message after --", () => {
    tools.actionFail("-- no quorum");
    tools.actionLog("progress");
    expect(fake.argvs).toEqual([
      ["action-fail", "--", "-- no quorum"],
      ["action-log", "--", "progress"],
    ]);
  });

  it("action tools outside an action fail with Juju's text", () => {
    fake.answer("action-get", { stderr: "ERROR not running an action\n", exitCode: 1 });
    expect(() => tools.actionGet()).toThrow(/not running an action/);
  });
});

describe("secret tools", () => {
  /** A runner that captures the content of `key#file=` arguments while the call runs. */
  function capturingRunner(seen: Record<string, string>): ToolRunner {
    return {
      run(call) {
        for (const arg of call.args) {
          const match = /^([a-z-]+)#file=(.+)$/.exec(arg);
          if (match) seen[match[1]!] = readFileSync(match[2]!, "utf8");
        }
        return fake.runner.run(call);
      },
    };
  }

  it("secret-add passes content through private files, never on the command line", () => {
    const seen: Record<string, string> = {};
    const capturing = new HookTools(capturingRunner(seen));
    fake.answer("secret-add", { stdout: "secret:cs2b2t3mp25c7ci8pmd0\n" });
    const uri = capturing.secretAdd(
      { "super-password": "pw one", "sync-password": "pw\ntwo" },
      { label: "zookeeper-passwords", description: "internal users" },
    );
    expect(uri).toBe("secret:cs2b2t3mp25c7ci8pmd0");
    const argv = fake.argvs[0]!;
    expect(argv.slice(0, 7)).toEqual([
      "secret-add",
      "--label",
      "zookeeper-passwords",
      "--description",
      "internal users",
      "--owner",
      "application",
    ]);
    expect(argv[7]).toMatch(/^super-password#file=\/.+/);
    expect(argv[8]).toMatch(/^sync-password#file=\/.+/);
    expect(argv.join(" ")).not.toContain("pw one");
    expect(seen).toEqual({ "super-password": "pw one", "sync-password": "pw\ntwo" });
  });

  it("secret-add rejects content keys Juju rejects", () => {
    expect(() => tools.secretAdd({ pw: "x" }, { label: "l" })).toThrow(/not valid/);
  });

  it("secret-get by id, by label, with --refresh; cached per query", () => {
    fake.answer("secret-get", { stdout: '{"super-password":"a"}\n' });
    expect(tools.secretGet({ id: "secret:abc" })).toEqual({ "super-password": "a" });
    tools.secretGet({ id: "secret:abc" });
    tools.secretGet({ label: "zookeeper-passwords", refresh: true });
    expect(fake.argvs).toEqual([
      ["secret-get", "--format=json", "secret:abc"],
      ["secret-get", "--format=json", "--label", "zookeeper-passwords", "--refresh"],
    ]);
  });

  it("secret-get of an unknown secret is SecretNotFoundError", () => {
    fake.answer("secret-get", { stderr: 'ERROR secret "zz" not found\n', exitCode: 1 });
    expect(() => tools.secretGet({ label: "zz" })).toThrow(SecretNotFoundError);
  });

  it("secret-set with new content through files", () => {
    const seen: Record<string, string> = {};
    const capturing = new HookTools(capturingRunner(seen));
    capturing.secretSet("secret:abc", { content: { "sync-password": "new" } });
    expect(fake.argvs[0]!.slice(0, 2)).toEqual(["secret-set", "secret:abc"]);
    expect(fake.argvs[0]![2]).toMatch(/^sync-password#file=/);
    expect(seen).toEqual({ "sync-password": "new" });
  });

  it("a non-leader changing an app-owned secret is NotLeaderError", () => {
    fake.answer("secret-set", { stderr: "ERROR this unit is not the leader\n", exitCode: 1 });
    expect(() => tools.secretSet("secret:abc", { label: "x" })).toThrow(NotLeaderError);
  });

  it("secret-grant, secret-revoke, secret-remove", () => {
    tools.secretGrant("secret:abc", { endpoint: "zookeeper", id: 7 });
    tools.secretGrant("secret:abc", { endpoint: "zookeeper", id: 7 }, "kafka/0");
    tools.secretRevoke("secret:abc", { endpoint: "zookeeper", id: 7 });
    tools.secretRemove("secret:abc");
    tools.secretRemove("secret:abc", 2);
    expect(fake.argvs).toEqual([
      ["secret-grant", "secret:abc", "--relation", "7"],
      ["secret-grant", "secret:abc", "--relation", "7", "--unit", "kafka/0"],
      ["secret-revoke", "secret:abc", "--relation", "7"],
      ["secret-remove", "secret:abc"],
      ["secret-remove", "secret:abc", "--revision", "2"],
    ]);
  });

  it("secret-ids: null means none", () => {
    fake.answer("secret-ids", { stdout: "null\n" });
    expect(tools.secretIds()).toEqual([]);
  });

  it("secret-info-get by label", () => {
    fake.answer("secret-info-get", {
      stdout: '{"cs2b2t3mp25c7ci8pmd0":{"revision":3,"label":"zookeeper-passwords","owner":"application"}}\n',
    });
    expect(tools.secretInfoGet({ label: "zookeeper-passwords" })).toEqual({
      id: "cs2b2t3mp25c7ci8pmd0",
      revision: 3,
      label: "zookeeper-passwords",
      owner: "application",
      description: undefined,
      rotation: undefined,
      expiry: undefined,
    });
    expect(fake.argvs).toEqual([["secret-info-get", "--format=json", "--label", "zookeeper-passwords"]]);
  });

  it("secret URIs in both forms reduce to the bare id", () => {
    expect(secretBareId("secret:cs2b2t3mp25c7ci8pmd0")).toBe("cs2b2t3mp25c7ci8pmd0");
    expect(secretBareId("secret://6f1f8d4b-aaaa/cs2b2t3mp25c7ci8pmd0")).toBe("cs2b2t3mp25c7ci8pmd0");
    expect(secretBareId("cs2b2t3mp25c7ci8pmd0")).toBe("cs2b2t3mp25c7ci8pmd0");
  });
});

describe("state, ports, network, unit, storage, goal state", () => {
  it("state-get (null = empty), state-set on stdin, state-delete, cache kept in step", () => {
    fake.answer("state-get", { stdout: "null\n" });
    expect(tools.stateGet()).toEqual({});
    tools.stateSet({ step: "a b" });
    tools.stateDelete("old");
    expect(tools.stateGet()).toEqual({ step: "a b" });
    expect(fake.calls.map((call) => call.argv)).toEqual([
      ["state-get", "--format=json"],
      ["state-set", "--file", "-"],
      ["state-delete", "old"],
    ]);
    expect(JSON.parse(fake.calls[1]!.stdin)).toEqual({ step: "a b" });
  });

  it("open-port, close-port, opened-ports", () => {
    tools.openPort("2181/tcp");
    tools.closePort("8080/tcp", ["zookeeper"]);
    fake.answer("opened-ports", { stdout: '["2181/tcp"]\n' });
    expect(tools.openedPorts()).toEqual(["2181/tcp"]);
    expect(fake.argvs).toEqual([
      ["open-port", "2181/tcp"],
      ["close-port", "--endpoints", "zookeeper", "8080/tcp"],
      ["opened-ports", "--format=json"],
    ]);
  });

  it("network-get parses bind, ingress and egress", () => {
    fake.answer("network-get", {
      stdout:
        '{"bind-addresses":[{"mac-address":"","interface-name":"lo","addresses":[{"hostname":"","value":"127.1.0.2","cidr":"127.1.0.2/32"}]}],"egress-subnets":["127.1.0.2/32"],"ingress-addresses":["127.1.0.2"]}\n',
    });
    const info = tools.networkGet("cluster");
    expect(info.bindAddresses[0]!.addresses[0]!.value).toBe("127.1.0.2");
    expect(info.ingressAddresses).toEqual(["127.1.0.2"]);
    expect(info.egressSubnets).toEqual(["127.1.0.2/32"]);
    fake.answer("network-get", { stdout: "{}\n" });
    tools.networkGet("zookeeper", { endpoint: "zookeeper", id: 7 });
    expect(fake.argvs).toEqual([
      ["network-get", "--format=json", "cluster"],
      ["network-get", "--format=json", "-r", "zookeeper:7", "zookeeper"],
    ]);
  });

  it("network-get of an unknown binding is RelationNotFoundError", () => {
    fake.answer("network-get", {
      stderr: 'ERROR no network config found for binding "x": relation not found\n',
      exitCode: 1,
    });
    expect(() => tools.networkGet("x")).toThrow(RelationNotFoundError);
  });

  it("unit-get private-address", () => {
    fake.answer("unit-get", { stdout: '"127.1.0.2"\n' });
    expect(tools.unitGet("private-address")).toBe("127.1.0.2");
    expect(fake.argvs).toEqual([["unit-get", "--format=json", "private-address"]]);
  });

  it("storage-list and storage-get", () => {
    fake.answer("storage-list", { stdout: '["data/0"]\n' });
    expect(tools.storageList("data")).toEqual(["data/0"]);
    fake.answer("storage-get", { stdout: '{"kind":"filesystem","location":"/var/lib/zookeeper"}\n' });
    expect(tools.storageGet("data/0")).toEqual({ kind: "filesystem", location: "/var/lib/zookeeper" });
    expect(fake.argvs).toEqual([
      ["storage-list", "--format=json", "data"],
      ["storage-get", "--format=json", "-s", "data/0"],
    ]);
  });

  it("goal-state: planned units are the ones not dying", () => {
    fake.answer("goal-state", {
      stdout:
        '{"units":{"zookeeper/0":{"status":"active"},"zookeeper/1":{"status":"dying"},"zookeeper/2":{"status":"waiting"}},"relations":{}}\n',
    });
    expect(tools.plannedUnits()).toEqual(["zookeeper/0", "zookeeper/2"]);
  });

  it("counts every tool it runs", () => {
    fake.answer("is-leader", { stdout: "false\n" });
    tools.isLeader();
    tools.isLeader();
    tools.jujuLog("INFO", "x");
    expect(tools.callCount).toBe(2);
  });
});

describe("tool runner", () => {
  it("a missing executable is a failed call, not a crash", () => {
    const broken = new HookTools({
      run: () => ({ exitCode: 127, stdout: "", stderr: "ERROR cannot run relation-ids: ENOENT\n" }),
    });
    expect(() => broken.relationIds("cluster")).toThrow(HookToolError);
  });

  it("invalid JSON output is reported with the argv", () => {
    fake.answer("config-get", { stdout: "{not json\n" });
    expect(() => tools.configGet()).toThrow(/config-get --format=json printed invalid JSON/);
  });
});
