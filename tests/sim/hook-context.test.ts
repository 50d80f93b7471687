/**
 * Hook-tool semantics of the emulator (juju-contract §2–§4): exact stdout, stderr and exit codes.
 * Given a model, a hook and a sequence of tool calls, then the output and the model after commit.
 */
import { beforeEach, describe, expect, it } from "vitest";
import { addAction, FIXED_TIME, fixtureModel, MemoryIO, scopeView } from "./fixtures";
import { CommitError, HookContext, type HookDescriptor, TOOL_NAMES, type UnitView } from "./hook-context";
import type { Model, Relation } from "./model";

const CLUSTER = 0;
const ZK_KAFKA = 2;

function hook(
  model: Model,
  unit: string,
  descriptor: Partial<HookDescriptor> = {},
  view?: UnitView,
): HookContext {
  return new HookContext(
    model,
    unit,
    { kind: "hook", name: "config-changed", ...descriptor },
    view ?? scopeView(model, unit),
    { contextId: `${unit}-test`, now: () => new Date(FIXED_TIME) },
  );
}

function relationHook(
  model: Model,
  unit: string,
  name: string,
  relationId: number,
  extra: Partial<HookDescriptor> = {},
) {
  return hook(model, unit, { name, relationId, ...extra });
}

/** Runs a tool and returns [code, stdout, stderr]. */
function run(
  ctx: HookContext,
  tool: string,
  args: string[] = [],
  io = new MemoryIO(),
): [number, string, string] {
  const out = ctx.run(tool, args, io);
  return [out.code, out.stdout, out.stderr];
}

function ok(stdout = ""): [number, string, string] {
  return [0, stdout, ""];
}

function err(code: number, message: string): [number, string, string] {
  return [code, "", `ERROR ${message}\n`];
}

function relation(model: Model, id: number): Relation {
  const found = model.relations[id];
  if (!found) throw new Error(`no relation ${id}`);
  return found;
}

let model: Model;
beforeEach(() => {
  model = fixtureModel();
});

describe("tool registry", () => {
  it("implements every tool of Appendix A plus leader-get, leader-set and goal-state", () => {
    expect(TOOL_NAMES).toEqual([
      "action-fail",
      "action-get",
      "action-log",
      "action-set",
      "application-version-set",
      "close-port",
      "config-get",
      "credential-get",
      "goal-state",
      "is-leader",
      "juju-log",
      "juju-reboot",
      "leader-get",
      "leader-set",
      "network-get",
      "open-port",
      "opened-ports",
      "relation-get",
      "relation-ids",
      "relation-list",
      "relation-model-get",
      "relation-set",
      "resource-get",
      "secret-add",
      "secret-get",
      "secret-grant",
      "secret-ids",
      "secret-info-get",
      "secret-remove",
      "secret-revoke",
      "secret-set",
      "state-delete",
      "state-get",
      "state-set",
      "status-get",
      "status-set",
      "storage-add",
      "storage-get",
      "storage-list",
      "unit-get",
    ]);
  });

  it("answers -h with help on stdout and exit 0", () => {
    const [code, stdout, stderr] = run(hook(model, "zookeeper/0"), "relation-get", ["--help"]);
    expect(code).toBe(0);
    expect(stderr).toBe("");
    expect(stdout).toMatch(
      /^Usage: relation-get \[options\] <key> <unit id>\n\nSummary:\nGet relation settings\.\n/,
    );
  });
});

describe("argument parsing errors (exit 2)", () => {
  it("reports unknown flags and extra arguments with Go's texts", () => {
    const ctx = hook(model, "zookeeper/0");
    expect(run(ctx, "is-leader", ["--foo"])).toEqual(err(2, "flag provided but not defined: --foo"));
    expect(run(ctx, "is-leader", ["-x"])).toEqual(err(2, "flag provided but not defined: -x"));
    expect(run(ctx, "is-leader", ["x"])).toEqual(err(2, 'unrecognized args: ["x"]'));
    expect(run(ctx, "config-get", ["a", "b", "c"])).toEqual(err(2, 'unrecognized args: ["b" "c"]'));
    expect(run(ctx, "is-leader", ["--format=xml"])).toEqual(
      err(2, 'invalid value "xml" for flag --format: unknown format "xml"'),
    );
    expect(run(ctx, "secret-get", ["--label", "x", "--format", "smart"])).toEqual(
      err(2, 'invalid value "smart" for flag --format: unknown format "smart"'),
    );
  });

  it("resolves -r as Juju does: integer after the last colon, prefix ignored, unknown ids rejected", () => {
    const ctx = hook(model, "zookeeper/0");
    expect(run(ctx, "relation-list", ["-r", "cluster:0", "--format=json"])).toEqual(
      ok('["zookeeper/1","zookeeper/2"]\n'),
    );
    expect(run(ctx, "relation-list", ["-r", "anything:0", "--format=json"])[0]).toBe(0);
    expect(run(ctx, "relation-list", ["--relation=0", "--format=json"])[0]).toBe(0);
    expect(run(ctx, "relation-list", ["-r0", "--format=json"])[0]).toBe(0);
    expect(run(ctx, "relation-list", ["-r", "kafka:9"])).toEqual(
      err(2, 'invalid value "kafka:9" for flag -r: relation not found'),
    );
    expect(run(ctx, "relation-list", ["-r", "cluster:x"])).toEqual(
      err(2, 'invalid value "cluster:x" for flag -r: invalid relation id'),
    );
    // gnuflag keeps the "=" of a short flag: "-r=0" is the relation id "=0".
    expect(run(ctx, "relation-list", ["-r=0"])).toEqual(
      err(2, 'invalid value "=0" for flag -r: invalid relation id'),
    );
    expect(run(ctx, "relation-list", ["-r=cluster:0", "--format=json"])[0]).toBe(0);
    expect(run(ctx, "relation-list", [])).toEqual(err(2, "no relation id specified"));
    expect(run(ctx, "relation-get", ["-", "zookeeper/1"])).toEqual(err(2, "no relation id specified"));
    expect(run(ctx, "relation-set", ["a=b"])).toEqual(err(2, "no relation id specified"));
  });

  it("does not address relations outside the unit's scope", () => {
    // kafka/1 never joined relation 2.
    expect(run(hook(model, "kafka/1"), "relation-ids", ["zookeeper", "--format=json"])).toEqual(ok("[]\n"));
    expect(run(hook(model, "kafka/1"), "relation-list", ["-r", "2"])).toEqual(
      err(2, 'invalid value "2" for flag -r: relation not found'),
    );
  });
});

describe("relation-ids / relation-list", () => {
  it("lists relation ids by endpoint, defaulting to the hook's endpoint", () => {
    expect(run(hook(model, "zookeeper/0"), "relation-ids", ["cluster", "--format=json"])).toEqual(
      ok('["cluster:0"]\n'),
    );
    expect(run(hook(model, "zookeeper/0"), "relation-ids", ["cluster"])).toEqual(ok("cluster:0\n"));
    expect(run(hook(model, "zookeeper/0"), "relation-ids", ["nope", "--format=json"])).toEqual(ok("[]\n"));
    expect(run(hook(model, "zookeeper/0"), "relation-ids", ["nope"])).toEqual(ok(""));
    expect(run(hook(model, "zookeeper/0"), "relation-ids", [])).toEqual(err(2, "no endpoint name specified"));
    const ctx = relationHook(model, "kafka/0", "zookeeper-relation-changed", ZK_KAFKA, {
      remoteUnit: "zookeeper/0",
      remoteApp: "zookeeper",
    });
    expect(run(ctx, "relation-ids", ["--format=json"])).toEqual(ok('["zookeeper:2"]\n'));
  });

  it("prints the local membership view and the remote application", () => {
    const ctx = hook(model, "kafka/0");
    expect(run(ctx, "relation-list", ["-r", "2", "--format=json"])).toEqual(
      ok('["zookeeper/0","zookeeper/1"]\n'),
    );
    expect(run(ctx, "relation-list", ["-r", "2"])).toEqual(ok("zookeeper/0\nzookeeper/1\n"));
    expect(run(ctx, "relation-list", ["-r", "2", "--app", "--format=json"])).toEqual(ok('"zookeeper"\n'));
    expect(run(hook(model, "zookeeper/0"), "relation-list", ["-r", "0", "--app"])).toEqual(ok("zookeeper\n"));
    const broken: UnitView = { relationIds: () => [ZK_KAFKA], members: () => [] };
    expect(run(hook(model, "kafka/0", {}, broken), "relation-list", ["-r", "2", "--format=json"])).toEqual(
      ok("[]\n"),
    );
  });
});

describe("relation-get read rules (§3.3)", () => {
  beforeEach(() => {
    relation(model, ZK_KAFKA).appBags.kafka = { data: { topic: "t1" }, version: 1 };
    relation(model, ZK_KAFKA).appBags.zookeeper = { data: { endpoints: "e1" }, version: 1 };
    relation(model, CLUSTER).appBags.zookeeper = { data: { quorum: "q1" }, version: 1 };
  });

  it("reads a remote unit's bag, whole or by key, in every format", () => {
    const ctx = hook(model, "zookeeper/0");
    expect(run(ctx, "relation-get", ["--format=json", "-r", "zookeeper:2", "-", "kafka/0"])).toEqual(
      ok('{"egress-subnets":"127.0.2.1/32","ingress-address":"127.0.2.1","private-address":"127.0.2.1"}\n'),
    );
    expect(run(ctx, "relation-get", ["-r", "2", "private-address", "kafka/0"])).toEqual(ok("127.0.2.1\n"));
    expect(run(ctx, "relation-get", ["-r", "2", "--format=json", "missing", "kafka/0"])).toEqual(
      ok("null\n"),
    );
    expect(run(ctx, "relation-get", ["-r", "2", "missing", "kafka/0"])).toEqual(ok(""));
    expect(run(ctx, "relation-get", ["-r", "2", "-", "kafka/0"])).toEqual(
      ok("egress-subnets: 127.0.2.1/32\ningress-address: 127.0.2.1\nprivate-address: 127.0.2.1\n"),
    );
  });

  it("defaults to JUJU_REMOTE_UNIT, and to the remote app (implicit --app) without one", () => {
    const changed = relationHook(model, "zookeeper/0", "zookeeper-relation-changed", ZK_KAFKA, {
      remoteUnit: "kafka/0",
      remoteApp: "kafka",
    });
    expect(run(changed, "relation-get", ["private-address"])).toEqual(ok("127.0.2.1\n"));
    const appChanged = relationHook(model, "zookeeper/0", "zookeeper-relation-changed", ZK_KAFKA, {
      remoteApp: "kafka",
    });
    expect(run(appChanged, "relation-get", ["--format=json"])).toEqual(ok('{"topic":"t1"}\n'));
    expect(run(appChanged, "relation-get", ["--app", "--format=json"])).toEqual(ok('{"topic":"t1"}\n'));
    expect(run(hook(model, "zookeeper/0"), "relation-get", ["-r", "2"])).toEqual(
      err(2, "no unit or application specified"),
    );
    expect(run(hook(model, "zookeeper/0"), "relation-get", ["-r", "2", "--app"])).toEqual(
      err(2, "no unit or application specified"),
    );
  });

  it("rejects an application name without --app and maps a unit name to its app with --app", () => {
    const ctx = hook(model, "zookeeper/0");
    expect(run(ctx, "relation-get", ["-r", "2", "-", "kafka"])).toEqual(
      err(2, 'expected unit name, got application name "kafka"'),
    );
    expect(run(ctx, "relation-get", ["-r", "2", "-", "Kafka!"])).toEqual(
      err(2, 'invalid unit name "Kafka!"'),
    );
    expect(run(ctx, "relation-get", ["-r", "2", "--app", "--format=json", "-", "kafka/1"])).toEqual(
      ok('{"topic":"t1"}\n'),
    );
  });

  it("lets a non-leader read the committed peer app bag but not its own app bag of a non-peer relation", () => {
    const ctx = hook(model, "zookeeper/1");
    expect(run(ctx, "relation-get", ["-r", "0", "--app", "--format=json", "-", "zookeeper"])).toEqual(
      ok('{"quorum":"q1"}\n'),
    );
    expect(run(ctx, "relation-get", ["-r", "2", "--app", "-", "zookeeper"])).toEqual(
      err(1, "permission denied"),
    );
    expect(run(ctx, "relation-get", ["-r", "2", "--app", "--format=json", "-", "kafka"])).toEqual(
      ok('{"topic":"t1"}\n'),
    );
  });

  it("lets the leader read its own app bag, and refuses units and apps outside the relation", () => {
    const ctx = hook(model, "zookeeper/0");
    expect(run(ctx, "relation-get", ["-r", "2", "--app", "--format=json", "-", "zookeeper"])).toEqual(
      ok('{"endpoints":"e1"}\n'),
    );
    expect(run(ctx, "relation-get", ["-r", "0", "-", "kafka/0"])).toEqual(err(1, "permission denied"));
    expect(run(ctx, "relation-get", ["-r", "0", "--app", "-", "kafka"])).toEqual(err(1, "permission denied"));
  });

  it("reports settings not found for a unit of the related app that never entered scope", () => {
    expect(run(hook(model, "zookeeper/0"), "relation-get", ["-r", "2", "-", "kafka/1"])).toEqual(
      err(
        1,
        'cannot read settings for unit "kafka/1" in relation "kafka:zookeeper zookeeper:zookeeper": unit "kafka/1": settings not found',
      ),
    );
  });

  it("keeps a departed unit's data readable for the life of the relation", () => {
    const rel = relation(model, ZK_KAFKA);
    rel.scope = rel.scope.filter((unit) => unit !== "kafka/0");
    const view: UnitView = { relationIds: () => [ZK_KAFKA], members: () => [] };
    const ctx = hook(
      model,
      "zookeeper/0",
      { name: "zookeeper-relation-departed", relationId: ZK_KAFKA },
      view,
    );
    expect(run(ctx, "relation-get", ["-r", "2", "private-address", "kafka/0"])).toEqual(ok("127.0.2.1\n"));
  });
});

describe("relation-set and buffering (§3.4, §4)", () => {
  it("shows pending writes to the writer only, and publishes them on commit with a version bump", () => {
    const writer = hook(model, "zookeeper/0");
    expect(run(writer, "relation-set", ["-r", "0", "state=started", "private-address=10.0.0.9"])).toEqual(
      ok(),
    );
    expect(run(writer, "relation-get", ["-r", "0", "state", "zookeeper/0"])).toEqual(ok("started\n"));
    const reader = hook(model, "zookeeper/1");
    expect(run(reader, "relation-get", ["-r", "0", "state", "zookeeper/0"])).toEqual(ok(""));
    const before = relation(model, CLUSTER).unitBags["zookeeper/0"]?.version as number;
    writer.commit();
    expect(relation(model, CLUSTER).unitBags["zookeeper/0"]).toEqual({
      data: {
        "egress-subnets": "127.0.1.1/32",
        "ingress-address": "127.0.1.1",
        "private-address": "10.0.0.9",
        state: "started",
      },
      version: before + 1,
    });
    // The reader's hook keeps its snapshot; a new hook sees the committed data.
    expect(run(reader, "relation-get", ["-r", "0", "state", "zookeeper/0"])).toEqual(ok(""));
    expect(run(hook(model, "zookeeper/1"), "relation-get", ["-r", "0", "state", "zookeeper/0"])).toEqual(
      ok("started\n"),
    );
  });

  it("discards writes when the hook is not committed", () => {
    const ctx = hook(model, "zookeeper/0");
    run(ctx, "relation-set", ["-r", "0", "state=started"]);
    ctx.discard();
    expect(relation(model, CLUSTER).unitBags["zookeeper/0"]?.data.state).toBeUndefined();
    expect(run(ctx, "is-leader")[0]).toBe(1);
  });

  it("bumps a bag's version only when its content changes", () => {
    const bag = relation(model, CLUSTER).unitBags["zookeeper/0"];
    const version = bag?.version as number;
    const same = hook(model, "zookeeper/0");
    run(same, "relation-set", ["-r", "0", "private-address=127.0.1.1"]);
    same.commit();
    expect(bag?.version).toBe(version);
    const setAndRevert = hook(model, "zookeeper/0");
    run(setAndRevert, "relation-set", ["-r", "0", "x=1"]);
    run(setAndRevert, "relation-set", ["-r", "0", "x="]);
    setAndRevert.commit();
    expect(bag?.version).toBe(version);
  });

  it("reads --file - from stdin (JSON or YAML); args override the file and empty values delete", () => {
    const ctx = hook(model, "zookeeper/0");
    const io = new MemoryIO({}, '{"a": "1", "b": "2", "private-address": ""}');
    expect(run(ctx, "relation-set", ["-r", "0", "--file", "-", "b=3"], io)).toEqual(ok());
    expect(io.stdinReads).toBe(1);
    expect(run(ctx, "relation-get", ["-r", "0", "--format=json", "-", "zookeeper/0"])).toEqual(
      ok('{"a":"1","b":"3","egress-subnets":"127.0.1.1/32","ingress-address":"127.0.1.1"}\n'),
    );
    const yaml = new MemoryIO({ "/tmp/s.yaml": "n: 5\nflag: true\nempty:\n" });
    expect(run(ctx, "relation-set", ["-r", "0", "--file", "/tmp/s.yaml"], yaml)).toEqual(ok());
    expect(run(ctx, "relation-get", ["-r", "0", "n", "zookeeper/0"])).toEqual(ok("5\n"));
    expect(run(ctx, "relation-set", ["-r", "0", "--file", "/nope"])).toEqual(
      err(1, "open /nope: no such file or directory"),
    );
    expect(run(ctx, "relation-set", ["-r", "0", "--file", "-"], new MemoryIO({}, "a: [1]"))).toEqual(
      err(1, "yaml: unmarshal errors:\n  line 1: cannot unmarshal !!seq into string"),
    );
  });

  it("validates key=value arguments", () => {
    const ctx = hook(model, "zookeeper/0");
    expect(run(ctx, "relation-set", ["-r", "0", "foo"])).toEqual(err(2, 'expected "key=value", got "foo"'));
    expect(run(ctx, "relation-set", ["-r", "0", "=x"])).toEqual(err(2, 'expected "key=value", got "=x"'));
    expect(run(ctx, "relation-set", ["-r", "0", "a=1", "a=2"])).toEqual(
      err(2, 'key "a" specified more than once'),
    );
    expect(run(ctx, "relation-set", ["-r", "0", " k = v "])).toEqual(ok());
    expect(run(ctx, "relation-get", ["-r", "0", "k", "zookeeper/0"])).toEqual(ok("v\n"));
  });

  it("prints the deprecated --format warning without failing", () => {
    expect(run(hook(model, "zookeeper/0"), "relation-set", ["-r", "0", "--format=json", "a=b"])).toEqual([
      0,
      "",
      '--format flag deprecated for command "relation-set"',
    ]);
  });

  it("lets only the leader write the app bag, and fails the commit if leadership was lost", () => {
    expect(run(hook(model, "zookeeper/1"), "relation-set", ["-r", "0", "--app", "a=b"])).toEqual(
      err(1, "cannot write relation settings"),
    );
    const leader = hook(model, "zookeeper/0");
    expect(run(leader, "relation-set", ["-r", "0", "--app=true", "quorum=q2"])).toEqual(ok());
    expect(run(leader, "relation-get", ["-r", "0", "--app", "quorum", "zookeeper"])).toEqual(ok("q2\n"));
    (model.applications.zookeeper as { leader: string | undefined }).leader = "zookeeper/1";
    expect(() => leader.commit()).toThrow(CommitError);
    expect(relation(model, CLUSTER).appBags.zookeeper).toEqual({ data: {}, version: 0 });
  });

  it("commits app-bag writes of the leader with a version bump", () => {
    const leader = hook(model, "zookeeper/0");
    run(leader, "relation-set", ["-r", "2", "--app", "--file", "-"], new MemoryIO({}, '{"endpoints":"a,b"}'));
    leader.commit();
    expect(relation(model, ZK_KAFKA).appBags.zookeeper).toEqual({ data: { endpoints: "a,b" }, version: 1 });
  });
});

describe("remote data snapshot", () => {
  it("caches remote settings for the rest of the hook after the first read", () => {
    const reader = hook(model, "zookeeper/0");
    expect(run(reader, "relation-get", ["-r", "2", "x", "kafka/0"])).toEqual(ok(""));
    const writer = hook(model, "kafka/0");
    run(writer, "relation-set", ["-r", "2", "x=1"]);
    writer.commit();
    expect(run(reader, "relation-get", ["-r", "2", "x", "kafka/0"])).toEqual(ok(""));
    // Not-yet-read remote data is read at first access.
    const lazy = hook(model, "zookeeper/1");
    const writer2 = hook(model, "kafka/0");
    run(writer2, "relation-set", ["-r", "2", "y=2"]);
    writer2.commit();
    expect(run(lazy, "relation-get", ["-r", "2", "y", "kafka/0"])).toEqual(ok("2\n"));
  });

  it("snapshots config at hook start", () => {
    const ctx = hook(model, "zookeeper/0");
    (model.applications.zookeeper as { config: Record<string, unknown> }).config["tick-time"] = 3000;
    expect(run(ctx, "config-get", ["tick-time"])).toEqual(ok("2000\n"));
    expect(run(hook(model, "zookeeper/0"), "config-get", ["tick-time"])).toEqual(ok("3000\n"));
  });
});

describe("leadership", () => {
  it("answers is-leader in smart and JSON forms", () => {
    expect(run(hook(model, "zookeeper/0"), "is-leader")).toEqual(ok("True\n"));
    expect(run(hook(model, "zookeeper/0"), "is-leader", ["--format=json"])).toEqual(ok("true\n"));
    expect(run(hook(model, "zookeeper/1"), "is-leader")).toEqual(ok("False\n"));
  });

  it("keeps 'not leader' for the rest of the hook once seen", () => {
    const ctx = hook(model, "zookeeper/1");
    expect(run(ctx, "is-leader")).toEqual(ok("False\n"));
    (model.applications.zookeeper as { leader: string | undefined }).leader = "zookeeper/1";
    expect(run(ctx, "is-leader")).toEqual(ok("False\n"));
    expect(run(hook(model, "zookeeper/1"), "is-leader")).toEqual(ok("True\n"));
  });

  it("re-checks leadership while the unit still holds it", () => {
    const ctx = hook(model, "zookeeper/0");
    expect(run(ctx, "is-leader")).toEqual(ok("True\n"));
    (model.applications.zookeeper as { leader: string | undefined }).leader = "zookeeper/2";
    expect(run(ctx, "is-leader")).toEqual(ok("False\n"));
  });

  it("writes leader settings immediately (leader only) and bumps their version on change", () => {
    const settings = model.applications.zookeeper?.leaderSettings;
    expect(run(hook(model, "zookeeper/1"), "leader-set", ["a=b"])).toEqual(
      err(1, "cannot write leadership settings: cannot write settings: not the leader"),
    );
    const leader = hook(model, "zookeeper/0");
    expect(run(leader, "leader-set", ["a=b", "c=d"])).toEqual(ok());
    expect(settings).toEqual({ data: { a: "b", c: "d" }, version: 1 });
    expect(run(leader, "leader-set", ["a=b"])).toEqual(ok());
    expect(settings?.version).toBe(1);
    expect(run(leader, "leader-set", ["c="])).toEqual(ok());
    expect(settings).toEqual({ data: { a: "b" }, version: 2 });
    expect(run(hook(model, "zookeeper/1"), "leader-get", ["--format=json"])).toEqual(ok('{"a":"b"}\n'));
    expect(run(hook(model, "zookeeper/1"), "leader-get", ["a"])).toEqual(ok("b\n"));
    expect(run(hook(model, "zookeeper/1"), "leader-get", ["--format=json", "zz"])).toEqual(ok("null\n"));
    expect(run(hook(model, "zookeeper/1"), "leader-get", ["a=b"])).toEqual(err(2, 'invalid key "a=b"'));
  });
});

describe("config-get", () => {
  it("prints set or defaulted options with their JSON types, --all adds nulls, unknown keys are null", () => {
    (model.applications.zookeeper as { config: Record<string, unknown> }).config["log-level"] = "DEBUG";
    const ctx = hook(model, "zookeeper/0");
    expect(run(ctx, "config-get", ["--format=json"])).toEqual(
      ok('{"enable-tls":false,"init-limit":5,"log-level":"DEBUG","sync-ratio":0.5,"tick-time":2000}\n'),
    );
    expect(run(ctx, "config-get", ["--format=json", "--all"])).toEqual(
      ok(
        '{"enable-tls":false,"extra-args":null,"init-limit":5,"log-level":"DEBUG","sync-ratio":0.5,"tick-time":2000}\n',
      ),
    );
    expect(run(ctx, "config-get", ["-a", "--format=json"])[0]).toBe(0);
    expect(run(ctx, "config-get", ["enable-tls"])).toEqual(ok("False\n"));
    expect(run(ctx, "config-get", ["nope", "--format=json"])).toEqual(ok("null\n"));
    expect(run(ctx, "config-get", ["nope"])).toEqual(ok(""));
    expect(run(ctx, "config-get", ["--all", "tick-time"])).toEqual(
      err(2, 'cannot use argument --all together with key "tick-time"'),
    );
    expect(run(ctx, "config-get")).toEqual(
      ok("enable-tls: false\ninit-limit: 5\nlog-level: DEBUG\nsync-ratio: 0.5\ntick-time: 2000\n"),
    );
  });
});

describe("status", () => {
  it("validates status-set arguments", () => {
    const ctx = hook(model, "zookeeper/0");
    expect(run(ctx, "status-set")).toEqual(err(2, "invalid args, require <status> [message]"));
    expect(run(ctx, "status-set", ["error"])).toEqual(
      err(2, 'invalid status "error", expected one of [maintenance blocked waiting active]'),
    );
    expect(run(ctx, "status-set", ["active", "a", "b"])).toEqual(err(2, 'unrecognized args: ["b"]'));
  });

  it("sets the unit status immediately and marks it as set by the charm", () => {
    const ctx = hook(model, "zookeeper/1");
    expect(run(ctx, "status-set", ["--application=False", "active", "--", "ready"])).toEqual(ok());
    expect(model.units["zookeeper/1"]?.workloadStatus).toEqual({
      status: "active",
      message: "ready",
      since: FIXED_TIME,
    });
    expect(model.units["zookeeper/1"]?.statusSetByCharm).toBe(true);
    ctx.discard();
    expect(model.units["zookeeper/1"]?.workloadStatus.status).toBe("active");
  });

  it("sets the application status for the leader only", () => {
    expect(run(hook(model, "zookeeper/1"), "status-set", ["--application", "blocked", "x"])).toEqual(
      err(1, "this unit is not the leader"),
    );
    expect(run(hook(model, "zookeeper/0"), "status-set", ["--application", "blocked", "x"])).toEqual(ok());
    expect(model.applications.zookeeper?.status).toEqual({
      status: "blocked",
      message: "x",
      since: FIXED_TIME,
    });
  });

  it("reads the status as status-get prints it", () => {
    const ctx = hook(model, "zookeeper/0");
    run(ctx, "status-set", ["maintenance", "installing"]);
    expect(run(ctx, "status-get")).toEqual(ok("maintenance\n"));
    expect(run(ctx, "status-get", ["--format=json"])).toEqual(ok('{"status":"maintenance"}\n'));
    expect(run(ctx, "status-get", ["--include-data", "--format=json", "--application=false"])).toEqual(
      ok('{"message":"installing","status":"maintenance","status-data":{}}\n'),
    );
    expect(run(hook(model, "zookeeper/1"), "status-get", ["--application"])).toEqual(
      err(1, "finding application status: this unit is not the leader"),
    );
    run(ctx, "status-set", ["--application", "active"]);
    expect(run(ctx, "status-get", ["--application", "--include-data", "--format=json"])).toEqual(
      ok(
        '{"application-status":{"message":"","status":"active","status-data":{},"units":{"zookeeper/0":{"message":"installing","status":"maintenance","status-data":{}},"zookeeper/1":{"message":"","status":"unknown","status-data":{}},"zookeeper/2":{"message":"","status":"unknown","status-data":{}}}}}\n',
      ),
    );
  });

  it("sets the workload version immediately", () => {
    expect(run(hook(model, "zookeeper/0"), "application-version-set", ["--", "3.9.2"])).toEqual(ok());
    expect(model.applications.zookeeper?.workloadVersion).toBe("3.9.2");
    expect(run(hook(model, "zookeeper/0"), "application-version-set")).toEqual(
      err(2, "no version specified"),
    );
  });
});

describe("juju-log", () => {
  it("logs under unit.<unit>.juju-log with the relation prefix in relation hooks", () => {
    const ctx = relationHook(model, "zookeeper/0", "cluster-relation-changed", CLUSTER, {
      remoteUnit: "zookeeper/1",
      remoteApp: "zookeeper",
    });
    expect(run(ctx, "juju-log", ["--log-level", "WARNING", "--", "quorum", "lost"])).toEqual(ok());
    expect(run(hook(model, "zookeeper/0"), "juju-log", ["-l", "debug", "hello"])).toEqual(ok());
    expect(run(hook(model, "zookeeper/0"), "juju-log", ["--debug", "dbg"])).toEqual(ok());
    expect(run(hook(model, "zookeeper/0"), "juju-log", ["-l", "LOUD", "x"])).toEqual(ok());
    expect(model.logs.map((log) => [log.level, log.logger, log.message])).toEqual([
      ["WARNING", "unit.zookeeper/0.juju-log", "cluster:0: quorum lost"],
      ["DEBUG", "unit.zookeeper/0.juju-log", "hello"],
      ["DEBUG", "unit.zookeeper/0.juju-log", "dbg"],
      ["WARNING", "unit.zookeeper/0.juju-log", 'Specified log level of "LOUD" is not valid'],
      ["INFO", "unit.zookeeper/0.juju-log", "x"],
    ]);
    expect(run(hook(model, "zookeeper/0"), "juju-log")).toEqual(err(2, "no message specified"));
  });
});

describe("actions", () => {
  it("fails every action tool outside an action", () => {
    const ctx = hook(model, "zookeeper/0");
    for (const [tool, args] of [
      ["action-get", []],
      ["action-set", ["a=b"]],
      ["action-fail", ["why"]],
      ["action-log", ["progress"]],
    ] as const) {
      expect(run(ctx, tool, [...args])).toEqual(err(1, "not running an action"));
    }
    // Init errors still come first (exit 2).
    expect(run(ctx, "action-set", ["stdout=x"])).toEqual(err(2, 'cannot set reserved action key "stdout"'));
  });

  it("reads params and records results, failure and progress inside an action", () => {
    const action = addAction(model, "zookeeper/0", "set-password", {
      username: "super",
      opts: { length: 12 },
    });
    const ctx = hook(model, "zookeeper/0", { kind: "action", name: "set-password", actionId: action.id });
    expect(run(ctx, "action-get", ["--format=json"])).toEqual(
      ok('{"opts":{"length":12},"username":"super"}\n'),
    );
    expect(run(ctx, "action-get", ["username"])).toEqual(ok("super\n"));
    expect(run(ctx, "action-get", ["opts.length", "--format=json"])).toEqual(ok("12\n"));
    expect(run(ctx, "action-get", ["opts.missing", "--format=json"])).toEqual(ok("null\n"));
    expect(run(ctx, "action-set", ["password=s3cret", "out.size=10G", "out.unit=b"])).toEqual(ok());
    expect(run(ctx, "action-set", ["out=flat"])).toEqual(ok());
    expect(run(ctx, "action-set", ["a.b.c=1"])).toEqual(ok());
    expect(action.results).toEqual({ password: "s3cret", out: "flat", a: { b: { c: "1" } } });
    expect(run(ctx, "action-log", ["--", "step", "1"])).toEqual(ok());
    expect(action.logs).toEqual([{ message: "step 1", timestamp: FIXED_TIME }]);
    expect(run(ctx, "action-fail")).toEqual(ok());
    expect([action.failed, action.message]).toEqual([
      true,
      "action failed without reason given, check action for errors",
    ]);
    expect(run(ctx, "action-fail", ["--", "bad input"])).toEqual(ok());
    expect(action.message).toBe("bad input");
    expect(run(ctx, "juju-reboot")).toEqual(err(1, "juju-reboot is not supported when running an action."));
  });

  it("validates action-set keys", () => {
    const action = addAction(model, "zookeeper/0", "get-super-password");
    const ctx = hook(model, "zookeeper/0", {
      kind: "action",
      name: "get-super-password",
      actionId: action.id,
    });
    expect(run(ctx, "action-set", ["novalue"])).toEqual(
      err(2, 'argument "novalue" must be of the form key...=value'),
    );
    expect(run(ctx, "action-set", ["Bad=1"])).toEqual(
      err(
        2,
        'key "Bad" must start and end with lowercase alphanumeric, and contain only lowercase alphanumeric, hyphens and periods',
      ),
    );
    expect(run(ctx, "action-set", ["a.stderr-encoding=x"])).toEqual(
      err(2, 'cannot set reserved action key "stderr-encoding"'),
    );
  });
});

describe("state-get / state-set / state-delete", () => {
  it("prints null when empty, buffers writes, and commits them", () => {
    const ctx = hook(model, "zookeeper/0");
    expect(run(ctx, "state-get", ["--format=json"])).toEqual(ok("null\n"));
    expect(run(ctx, "state-get", ["missing", "--format=json"])).toEqual(ok('""\n'));
    expect(run(ctx, "state-get", ["missing"])).toEqual(ok(""));
    expect(run(ctx, "state-get", ["--strict", "missing"])).toEqual(err(1, '"missing" not found'));
    expect(run(ctx, "state-set", ["--file", "-", "b=2"], new MemoryIO({}, '{"a":"1"}'))).toEqual(ok());
    expect(run(ctx, "state-get", ["--format=json"])).toEqual(ok('{"a":"1","b":"2"}\n'));
    expect(run(ctx, "state-delete", ["a"])).toEqual(ok());
    expect(model.units["zookeeper/0"]?.state).toEqual({});
    ctx.commit();
    expect(model.units["zookeeper/0"]?.state).toEqual({ b: "2" });
  });

  it("enforces the key and value size quotas at call time", () => {
    const ctx = hook(model, "zookeeper/0");
    expect(run(ctx, "state-set", [`${"k".repeat(257)}=v`])).toEqual(
      err(1, "max allowed key length (256) exceeded"),
    );
    expect(run(ctx, "state-set", [`k=${"v".repeat(65537)}`])).toEqual(
      err(1, "max allowed value length (65536) exceeded"),
    );
  });
});

describe("ports", () => {
  it("buffers open/close, shows pending changes in opened-ports and commits them", () => {
    const ctx = hook(model, "zookeeper/0");
    expect(run(ctx, "open-port", ["2181/TCP"])).toEqual(ok());
    expect(run(ctx, "open-port", ["--endpoints", "zookeeper, cluster", "8000-8010/udp"])).toEqual(ok());
    expect(run(ctx, "open-port", ["icmp"])).toEqual(ok());
    expect(model.units["zookeeper/0"]?.openedPorts).toEqual([]);
    expect(run(ctx, "opened-ports", ["--format=json"])).toEqual(ok('["icmp","2181/tcp","8000-8010/udp"]\n'));
    expect(run(ctx, "opened-ports", ["--endpoints", "--format=json"])).toEqual(
      ok('["icmp (*)","2181/tcp (*)","8000-8010/udp (cluster, zookeeper)"]\n'),
    );
    ctx.commit();
    expect(model.units["zookeeper/0"]?.openedPorts).toEqual(["icmp", "2181/tcp", "8000-8010/udp"]);
    const next = hook(model, "zookeeper/0");
    expect(run(next, "close-port", ["2181"])).toEqual(ok());
    expect(run(next, "opened-ports")).toEqual(ok("icmp\n8000-8010/udp\n"));
    next.commit();
    expect(model.units["zookeeper/0"]?.openedPorts).toEqual(["icmp", "8000-8010/udp"]);
  });

  it("validates port ranges", () => {
    const ctx = hook(model, "zookeeper/0");
    expect(run(ctx, "open-port")).toEqual(err(2, "no port or range specified"));
    expect(run(ctx, "open-port", ["abc"])).toEqual(
      err(2, 'invalid port "abc": strconv.Atoi: parsing "abc": invalid syntax'),
    );
    expect(run(ctx, "open-port", ["80/sctp"])).toEqual(
      err(2, 'invalid protocol "sctp", expected "tcp", "udp", or "icmp"'),
    );
    expect(run(ctx, "open-port", ["90-80"])).toEqual(err(2, "invalid port range 90-80/tcp"));
    expect(run(ctx, "open-port", ["70000"])).toEqual(
      err(2, "port range bounds must be between 0 and 65535, got 70000-70000"),
    );
    expect(run(ctx, "open-port", ["80/icmp"])).toEqual(
      err(2, 'protocol "icmp" doesn\'t support any ports; got "80"'),
    );
    expect(run(ctx, "open-port", ["2181"])).toEqual(ok());
    expect(run(ctx, "open-port", ["2180-2190"])).toEqual(
      err(
        1,
        'cannot open 2180-2190/tcp (unit "zookeeper/0"): port range conflicts with 2181/tcp (unit "zookeeper/0") requested earlier',
      ),
    );
  });
});

describe("network-get / unit-get", () => {
  it("prints the default network info", () => {
    const ctx = hook(model, "zookeeper/0");
    expect(run(ctx, "network-get", ["--format=json", "cluster"])).toEqual(
      ok(
        '{"bind-addresses":[{"mac-address":"00:16:3e:00:01:01","interface-name":"eth0","addresses":[{"hostname":"","value":"127.0.1.1","cidr":"127.0.1.0/24"}]}],"egress-subnets":["127.0.1.1/32"],"ingress-addresses":["127.0.1.1"]}\n',
      ),
    );
    expect(run(ctx, "network-get", ["admin"])).toEqual(
      ok(
        [
          "bind-addresses:",
          "- mac-address: 00:16:3e:00:01:01",
          "  interface-name: eth0",
          "  addresses:",
          '  - hostname: ""',
          "    value: 127.0.1.1",
          "    cidr: 127.0.1.0/24",
          "    address: 127.0.1.1",
          "  macaddress: 00:16:3e:00:01:01",
          "  interfacename: eth0",
          "egress-subnets:",
          "- 127.0.1.1/32",
          "ingress-addresses:",
          "- 127.0.1.1",
          "",
        ].join("\n"),
      ),
    );
  });

  it("prints selected values", () => {
    const ctx = hook(model, "zookeeper/0");
    expect(run(ctx, "network-get", ["juju-info", "--ingress-address"])).toEqual(ok("127.0.1.1\n"));
    expect(run(ctx, "network-get", ["cluster", "--egress-subnets", "--format=json"])).toEqual(
      ok('["127.0.1.1/32"]\n'),
    );
    expect(
      run(ctx, "network-get", ["cluster", "--bind-address", "--ingress-address", "--format=json"]),
    ).toEqual(ok('{"bind-address":"127.0.1.1","ingress-address":"127.0.1.1"}\n'));
    expect(run(ctx, "network-get", ["cluster", "--primary-address"])).toEqual(ok("127.0.1.1\n"));
    expect(run(ctx, "network-get", ["cluster", "--primary-address", "--bind-address"])).toEqual(
      err(1, "--primary-address must be the only flag specified"),
    );
  });

  it("rejects unknown bindings and bad arguments", () => {
    const ctx = hook(model, "zookeeper/0");
    expect(run(ctx, "network-get", ["nope"])).toEqual(err(1, 'no network config found for binding "nope"'));
    expect(run(ctx, "network-get")).toEqual(err(2, "no arguments specified"));
    expect(run(ctx, "network-get", ["-r", "9", "cluster"])).toEqual(
      err(2, 'invalid value "9" for flag -r: relation not found'),
    );
    expect(run(ctx, "unit-get", ["private-address"])).toEqual(ok("127.0.1.1\n"));
    expect(run(ctx, "unit-get", ["public-address", "--format=json"])).toEqual(ok('"127.0.1.1"\n'));
    expect(run(ctx, "unit-get", ["machine-id"])).toEqual(err(2, 'unknown setting "machine-id"'));
    expect(run(ctx, "unit-get")).toEqual(err(2, "no setting specified"));
  });
});

describe("storage", () => {
  it("lists and describes attached storage", () => {
    const ctx = hook(model, "zookeeper/0");
    expect(run(ctx, "storage-list", ["--format=json"])).toEqual(ok('["data/0"]\n'));
    expect(run(ctx, "storage-list", ["logs", "--format=json"])).toEqual(ok("[]\n"));
    expect(run(ctx, "storage-get", ["--format=json", "-s", "data/0"])).toEqual(
      ok('{"kind":"filesystem","location":"/var/snap/zookeeper/common"}\n'),
    );
    expect(run(ctx, "storage-get", ["-s", "data/0", "kind"])).toEqual(ok("filesystem\n"));
    expect(run(ctx, "storage-get", ["-s", "data/0", "size"])).toEqual(
      err(1, 'invalid storage attribute "size"'),
    );
    expect(run(ctx, "storage-get")).toEqual(err(2, "no storage instance specified"));
    expect(run(ctx, "storage-get", ["-s", "bad"])).toEqual(
      err(2, 'invalid value "bad" for flag -s: invalid storage ID "bad"'),
    );
    const attached = hook(model, "zookeeper/0", { name: "data-storage-attached", storageId: "data/0" });
    expect(run(attached, "storage-get", ["location"])).toEqual(ok("/var/snap/zookeeper/common\n"));
  });

  it("buffers storage-add and records it on commit", () => {
    const ctx = hook(model, "zookeeper/0");
    expect(run(ctx, "storage-add")).toEqual(err(2, "storage add requires a storage directive"));
    expect(run(ctx, "storage-add", ["data=10G"])).toEqual(err(2, 'only count can be specified for "data"'));
    expect(run(ctx, "storage-add", ["data=2"])).toEqual(ok());
    ctx.commit();
    expect(model.units["zookeeper/0"]?.storageRequests).toEqual([{ name: "data", count: 2 }]);
    const bad = hook(model, "zookeeper/0");
    run(bad, "storage-add", ["logs"]);
    expect(() => bad.commit()).toThrow(CommitError);
  });
});

describe("goal-state and misc", () => {
  it("prints the application's units and its non-peer relations", () => {
    (model.units["zookeeper/2"] as { life: string }).life = "dying";
    const since = "2025-01-01 00:00:00Z";
    expect(run(hook(model, "zookeeper/0"), "goal-state", ["--format=json"])).toEqual(
      ok(
        `{"units":{"zookeeper/0":{"status":"unknown","since":"${since}"},"zookeeper/1":{"status":"unknown","since":"${since}"},"zookeeper/2":{"status":"dying","since":"${since}"}},"relations":{"zookeeper":{"kafka":{"status":"joined"},"kafka/0":{"status":"unknown","since":"${since}"},"kafka/1":{"status":"unknown","since":"${since}"}}}}\n`,
      ),
    );
    expect(run(hook(model, "kafka/0"), "goal-state")[1]).toMatch(
      /^units:\n {2}kafka\/0:\n {4}status: unknown\n/,
    );
  });

  it("fails credential-get, resource-get and juju-reboot the way an untrusted unit sees them", () => {
    const ctx = hook(model, "zookeeper/0");
    expect(run(ctx, "credential-get")).toEqual(err(1, "cannot access cloud credentials: permission denied"));
    expect(run(ctx, "resource-get")).toEqual(err(2, "missing required resource name"));
    expect(run(ctx, "resource-get", ["zk"])).toEqual(
      err(1, 'could not download resource: resource "zk" not found'),
    );
    expect(run(ctx, "juju-reboot")).toEqual(err(1, "juju-reboot is not supported in this emulator"));
    expect(run(ctx, "relation-model-get", ["-r", "2", "--format=json"])).toEqual(
      ok(`{"uuid":"${model.uuid}"}\n`),
    );
  });

  it("writes -o/--output to a file instead of stdout", () => {
    const io = new MemoryIO();
    expect(run(hook(model, "zookeeper/0"), "config-get", ["tick-time", "-o", "out.txt"], io)).toEqual(ok());
    expect(io.written.get("out.txt")).toBe("2000\n");
  });
});

describe("secrets", () => {
  function addSecret(unit = "zookeeper/0", args: string[] = ["password=s3cret"]): string {
    const ctx = hook(model, unit);
    const [code, stdout, stderr] = run(ctx, "secret-add", args);
    expect([code, stderr]).toEqual([0, ""]);
    ctx.commit();
    return stdout.trim();
  }

  function grant(uri: string, relationId = ZK_KAFKA, extra: string[] = []): void {
    const ctx = hook(model, "zookeeper/0");
    expect(run(ctx, "secret-grant", [uri, "-r", String(relationId), ...extra])).toEqual(ok());
    ctx.commit();
  }

  function update(uri: string, args: string[], unit = "zookeeper/0"): void {
    const ctx = hook(model, unit);
    expect(run(ctx, "secret-set", [uri, ...args])).toEqual(ok());
    ctx.commit();
  }

  it("creates application secrets (leader only) with xid ids printed as secret:<id>", () => {
    expect(run(hook(model, "zookeeper/1"), "secret-add", ["abc=bcd"])).toEqual(
      err(1, "this unit is not the leader"),
    );
    const ctx = hook(model, "zookeeper/0");
    const [code, stdout] = run(ctx, "secret-add", ["--label", "zk-super", "password=s3cret"]);
    expect(code).toBe(0);
    expect(stdout).toMatch(/^secret:[0-9a-v]{19}[0g]\n$/);
    const uri = stdout.trim();
    const id = uri.slice("secret:".length);
    // Readable (pending) within the hook, invisible to the model until commit.
    expect(run(ctx, "secret-get", [uri, "--format=json"])).toEqual(ok('{"password":"s3cret"}\n'));
    expect(run(ctx, "secret-get", ["--label", "zk-super", "--format=json"])).toEqual(
      ok('{"password":"s3cret"}\n'),
    );
    // With only a label, the first argument is still the URI: no key can be given.
    expect(run(ctx, "secret-get", ["--label", "zk-super", "password"])).toEqual(
      err(2, 'secret URI "password" not valid'),
    );
    expect(run(ctx, "secret-ids", ["--format=json"])).toEqual(ok(`["${id}"]\n`));
    expect(model.secrets[id]).toBeUndefined();
    ctx.commit();
    expect(model.secrets[id]).toMatchObject({
      ownerKind: "application",
      ownerApp: "zookeeper",
      label: "zk-super",
      revisions: [{ revision: 1, content: { password: "s3cret" }, created: FIXED_TIME }],
    });
  });

  it("validates secret-add content", () => {
    const ctx = hook(model, "zookeeper/0");
    expect(run(ctx, "secret-add")).toEqual(err(2, "missing secret value or filename"));
    expect(run(ctx, "secret-add", ["ab=x"])).toEqual(err(2, 'key "ab" not valid'));
    expect(run(ctx, "secret-add", ["Password=x"])).toEqual(err(2, 'key "Password" not valid'));
    expect(run(ctx, "secret-add", ["novalue"])).toEqual(err(2, 'key value "novalue" not valid'));
    expect(run(ctx, "secret-add", ["--owner", "model", "abc=x"])).toEqual(
      err(2, 'secret owner "model" not valid'),
    );
    expect(run(ctx, "secret-add", ["--rotate", "often", "abc=x"])).toEqual(
      err(2, 'rotate policy "often" not valid'),
    );
    expect(run(ctx, "secret-add", ["--expire", "soon", "abc=x"])).toEqual(
      err(2, 'expire time or duration "soon" not valid'),
    );
    expect(run(ctx, "secret-add", ["abc#file=/missing"])).toEqual(
      err(2, 'reading content for secret key "abc": open /missing: no such file or directory'),
    );
  });

  it("accepts #base64, #file and --file values and both URI forms", () => {
    const io = new MemoryIO({ "/tmp/pw": "from-file", "/tmp/s.yaml": "token: t0k3n\n" });
    const ctx = hook(model, "zookeeper/0");
    const [, stdout] = run(
      ctx,
      "secret-add",
      [
        "--owner",
        "unit",
        "--file",
        "/tmp/s.yaml",
        "password#file=/tmp/pw",
        `cert#base64=${Buffer.from("PEM").toString("base64")}`,
      ],
      io,
    );
    const id = stdout.trim().slice("secret:".length);
    ctx.commit();
    const reader = hook(model, "zookeeper/0");
    expect(run(reader, "secret-get", [`secret://${model.uuid}/${id}`, "--format=json"])).toEqual(
      ok('{"cert":"PEM","password":"from-file","token":"t0k3n"}\n'),
    );
    expect(run(reader, "secret-get", [id, "cert#base64"])).toEqual(
      ok(`${Buffer.from("PEM").toString("base64")}\n`),
    );
    expect(run(reader, "secret-get", [id])).toEqual(ok("cert: PEM\npassword: from-file\ntoken: t0k3n\n"));
    expect(run(reader, "secret-get", [id, "nope"])).toEqual(err(1, 'secret key value "nope" not found'));
    expect(run(reader, "secret-get", ["secret:nope"])).toEqual(err(2, 'secret URI "secret:nope" not valid'));
    expect(run(reader, "secret-get")).toEqual(err(2, "require either a secret URI or label"));
    expect(run(reader, "secret-get", [id, "--peek", "--refresh"])).toEqual(
      err(2, "specify one of --peek or --refresh but not both"),
    );
    expect(run(reader, "secret-get", ["secret:9m4e2mr0ui3e8a215n4g"])).toEqual(
      err(1, 'secret "9m4e2mr0ui3e8a215n4g" not found'),
    );
  });

  it("lets consumers read only through a grant on a live relation", () => {
    const uri = addSecret();
    expect(run(hook(model, "kafka/0"), "secret-get", [uri])).toEqual(err(1, "permission denied"));
    grant(uri);
    expect(run(hook(model, "kafka/0"), "secret-get", [uri, "password"])).toEqual(ok("s3cret\n"));
    // kafka/1 is a unit of the granted application too.
    expect(run(hook(model, "kafka/1"), "secret-get", [uri, "password"])).toEqual(ok("s3cret\n"));
    const id = uri.slice("secret:".length);
    expect(model.secrets[id]?.consumers).toEqual({
      "kafka/0": { trackedRevision: 1, label: undefined },
      "kafka/1": { trackedRevision: 1, label: undefined },
    });
    // Revoking (or removing the relation) ends access.
    const revoke = hook(model, "zookeeper/0");
    expect(run(revoke, "secret-revoke", [uri, "--relation", "2"])).toEqual(ok());
    revoke.commit();
    expect(run(hook(model, "kafka/0"), "secret-get", [uri])).toEqual(err(1, "permission denied"));
    grant(uri);
    delete model.relations[ZK_KAFKA];
    expect(run(hook(model, "kafka/1"), "secret-get", [uri])).toEqual(err(1, "permission denied"));
  });

  it("grants to one unit of the relation's remote application", () => {
    const uri = addSecret();
    const ctx = hook(model, "zookeeper/0");
    expect(run(ctx, "secret-grant", [uri, "-r", "2", "--unit", "zookeeper/1"])).toEqual(
      err(2, 'cannot specify unit "zookeeper/1" in relation to application "kafka"'),
    );
    expect(run(ctx, "secret-grant", [uri])).toEqual(err(2, "no relation id specified"));
    grant(uri, ZK_KAFKA, ["--unit", "kafka/1"]);
    expect(run(hook(model, "kafka/0"), "secret-get", [uri])).toEqual(err(1, "permission denied"));
    expect(run(hook(model, "kafka/1"), "secret-get", [uri, "password"])).toEqual(ok("s3cret\n"));
    const info = hook(model, "zookeeper/0");
    expect(run(info, "secret-info-get", [uri, "--format=json"])).toEqual(
      ok(
        `{"${uri.slice(7)}":{"revision":1,"label":"","owner":"application","access":[{"target":"unit-kafka-1","scope":"relation-kafka.zookeeper#zookeeper.zookeeper","role":"view"}]}}\n`,
      ),
    );
  });

  it("tracks revisions per consumer: first read pins latest, --peek reads latest once, --refresh moves", () => {
    const uri = addSecret();
    grant(uri);
    const id = uri.slice("secret:".length);
    expect(run(hook(model, "kafka/0"), "secret-get", [uri, "password"])).toEqual(ok("s3cret\n"));
    update(uri, ["password=n3w"]);
    expect(model.secrets[id]?.revisions.map((revision) => revision.revision)).toEqual([1, 2]);
    const consumer = hook(model, "kafka/0");
    expect(run(consumer, "secret-get", [uri, "password"])).toEqual(ok("s3cret\n"));
    expect(run(consumer, "secret-get", [uri, "password", "--peek"])).toEqual(ok("n3w\n"));
    expect(run(consumer, "secret-get", [uri, "password"])).toEqual(ok("s3cret\n"));
    expect(model.secrets[id]?.consumers["kafka/0"]?.trackedRevision).toBe(1);
    // --refresh moves tracking immediately, even if the hook later fails.
    expect(run(consumer, "secret-get", [uri, "password", "--refresh"])).toEqual(ok("n3w\n"));
    consumer.discard();
    expect(model.secrets[id]?.consumers["kafka/0"]?.trackedRevision).toBe(2);
    // A unit reading for the first time tracks the latest revision.
    expect(run(hook(model, "kafka/1"), "secret-get", [uri, "password"])).toEqual(ok("n3w\n"));
  });

  it("makes no new revision for identical content and coalesces updates within a hook", () => {
    const uri = addSecret();
    const id = uri.slice("secret:".length);
    update(uri, ["password=s3cret"]);
    expect(model.secrets[id]?.revisions).toHaveLength(1);
    const ctx = hook(model, "zookeeper/0");
    run(ctx, "secret-set", [uri, "password=a1"]);
    run(ctx, "secret-set", [uri, "password=a2", "--description", "zk super"]);
    ctx.commit();
    expect(
      model.secrets[id]?.revisions.map((revision) => [revision.revision, revision.content.password]),
    ).toEqual([
      [1, "s3cret"],
      [2, "a2"],
    ]);
    expect(model.secrets[id]?.description).toBe("zk super");
  });

  it("uses consumer labels for lookups and the owner label for owned secrets", () => {
    const uri = addSecret("zookeeper/0", ["--label", "owner-label", "password=s3cret"]);
    grant(uri);
    const consumer = hook(model, "kafka/0");
    expect(run(consumer, "secret-get", ["--label", "zk"])).toEqual(err(1, 'consumer label "zk" not found'));
    expect(run(consumer, "secret-get", [uri, "--label", "zk", "password"])).toEqual(ok("s3cret\n"));
    expect(run(hook(model, "kafka/0"), "secret-get", ["--label", "zk"])).toEqual(ok("password: s3cret\n"));
    expect(run(hook(model, "kafka/0"), "secret-get", ["--label", "owner-label"])).toEqual(
      err(1, 'consumer label "owner-label" not found'),
    );
    // Every unit of the owning application reads by the owner label.
    expect(
      run(hook(model, "zookeeper/1"), "secret-get", ["--label", "owner-label", "--format=json"]),
    ).toEqual(ok('{"password":"s3cret"}\n'));
    const id = uri.slice("secret:".length);
    expect(model.secrets[id]?.ownerTracked).toEqual({ "zookeeper/1": 1 });
  });

  it("requires leadership to manage application secrets", () => {
    const uri = addSecret("zookeeper/0", ["--label", "zk", "password=s3cret"]);
    const follower = hook(model, "zookeeper/1");
    // Metadata of application secrets is only given to the leader.
    expect(run(follower, "secret-info-get", [uri])).toEqual(err(1, `secret "${uri.slice(7)}" not found`));
    expect(run(follower, "secret-grant", [uri, "-r", "2"])).toEqual(
      err(1, `secret "${uri.slice(7)}" not found`),
    );
    expect(run(follower, "secret-ids", ["--format=json"])).toEqual(ok("null\n"));
    // secret-set is accepted by the tool but refused by the controller at commit.
    expect(run(follower, "secret-set", [uri, "password=x1"])).toEqual(ok());
    expect(() => follower.commit()).toThrow("permission denied");
    // Leadership lost during the hook: the tool refuses.
    const leader = hook(model, "zookeeper/0");
    (model.applications.zookeeper as { leader: string | undefined }).leader = "zookeeper/1";
    expect(run(leader, "secret-set", [uri, "password=x2"])).toEqual(err(1, "this unit is not the leader"));
    expect(run(leader, "secret-remove", [uri])).toEqual(err(1, "this unit is not the leader"));
  });

  it("prints secret-info-get and secret-ids for the owner", () => {
    const ctx = hook(model, "zookeeper/0");
    const [, stdout] = run(ctx, "secret-add", [
      "--label",
      "zk",
      "--description",
      "super user",
      "--rotate",
      "monthly",
      "--expire",
      "2025-02-01T00:00:00Z",
      "password=s3cret",
    ]);
    const id = stdout.trim().slice(7);
    ctx.commit();
    const owner = hook(model, "zookeeper/0");
    expect(run(owner, "secret-info-get", ["--label", "zk", "--format=json"])).toEqual(
      ok(
        `{"${id}":{"revision":1,"label":"zk","owner":"application","description":"super user","rotation":"monthly","expiry":"2025-02-01T00:00:00Z","rotates":"2025-01-31T00:00:00Z"}}\n`,
      ),
    );
    expect(run(owner, "secret-info-get", [`secret:${id}`])).toEqual(
      ok(
        `${id}:\n  revision: 1\n  label: zk\n  owner: application\n  description: super user\n  rotation: monthly\n  expiry: 2025-02-01T00:00:00Z\n  rotates: 2025-01-31T00:00:00Z\n`,
      ),
    );
    expect(run(owner, "secret-info-get", [`secret:${id}`, "--label", "zk"])).toEqual(
      err(2, "specify either a secret URI or label but not both"),
    );
    expect(run(owner, "secret-info-get", ["--label", "other"])).toEqual(err(1, 'secret "other" not found'));
    expect(run(owner, "secret-ids")).toEqual(ok(`${id}\n`));
  });

  it("removes a whole secret or one revision on commit", () => {
    const uri = addSecret("zookeeper/0", ["--owner", "unit", "password=a1"]);
    const id = uri.slice(7);
    update(uri, ["password=a2"]);
    const one = hook(model, "zookeeper/0");
    expect(run(one, "secret-remove", [uri, "--revision", "1"])).toEqual(ok());
    one.commit();
    expect(model.secrets[id]?.revisions.map((revision) => revision.revision)).toEqual([2]);
    const all = hook(model, "zookeeper/0");
    expect(run(all, "secret-remove", [uri])).toEqual(ok());
    expect(run(all, "secret-ids", ["--format=json"])).toEqual(ok("null\n"));
    all.commit();
    expect(model.secrets[id]).toBeUndefined();
    expect(run(hook(model, "zookeeper/0"), "secret-remove")).toEqual(err(2, "missing secret URI"));
  });

  it("validates secret-revoke arguments", () => {
    const uri = addSecret();
    const ctx = hook(model, "zookeeper/0");
    expect(run(ctx, "secret-revoke", [uri])).toEqual(err(2, "missing relation or application or unit"));
    expect(run(ctx, "secret-revoke", [uri, "--app", "kafka", "--unit", "kafka/0"])).toEqual(
      err(2, "specify only one of application or unit"),
    );
    expect(run(ctx, "secret-revoke", [uri, "-r", "2", "--app", "kafka"])).toEqual(
      err(2, "do not specify both relation and app"),
    );
    expect(run(ctx, "secret-revoke", [uri, "--application", "kafka"])).toEqual(ok());
  });
});
