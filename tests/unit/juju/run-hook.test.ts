import { mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeEach, describe, expect, it } from "vitest";
import { BufferedJujuLog, createLogger, field, formatRecord, runHook, waiting } from "../../../lib/juju";
import { FakeTools } from "./fake-tools";

const fake = new FakeTools();
afterAll(() => fake.cleanup());
beforeEach(() => fake.reset());

const env = (extra: Record<string, string> = {}) => ({
  ...fake.env,
  JUJU_DISPATCH_PATH: "hooks/update-status",
  JUJU_HOOK_NAME: "update-status",
  JUJU_UNIT_NAME: "zookeeper/0",
  JUJU_MODEL_NAME: "dev",
  JUJU_MODEL_UUID: "uuid",
  JUJU_VERSION: "3.6.4",
  ...extra,
});

describe("log", () => {
  it("formats pino records as message plus key=value", () => {
    expect(formatRecord({ level: 40, msg: "slow", unit: "zookeeper/1", n: 3 })).toEqual({
      level: "WARNING",
      text: "slow unit=zookeeper/1 n=3",
    });
  });

  it("buffers lines and flushes one juju-log call per run of equal levels", () => {
    const sink = new BufferedJujuLog();
    const log = createLogger(sink);
    log.info("a");
    log.info("b");
    log.debug("c");
    log.info("d");
    const calls: [string, string][] = [];
    sink.flush({ jujuLog: (level, message) => calls.push([level, message]) });
    expect(calls).toEqual([
      ["INFO", "a\nb"],
      ["DEBUG", "c"],
      ["INFO", "d"],
    ]);
    expect(sink.pending).toHaveLength(0);
  });

  it("keeps every juju-log message below the 128 KiB argument limit, splitting between lines first", () => {
    const sink = new BufferedJujuLog();
    const log = createLogger(sink);
    // Words, not one long token: the redaction hides long alphanumeric runs (they look like passwords).
    const line = "log line ".repeat(3_333).trim();
    log.info(line);
    log.info(line);
    const long = "very long ".repeat(10_000).trim();
    log.info(long);
    const calls: [string, string][] = [];
    sink.flush({ jujuLog: (level, message) => calls.push([level, message]) });
    for (const [, message] of calls) expect(Buffer.byteLength(message)).toBeLessThan(128 * 1024);
    expect(calls[0]![1]).toBe(line); // two 30 000-character lines do not fit in one message
    expect(calls.length).toBeGreaterThanOrEqual(4);
    // Nothing lost: the messages hold every character, in order.
    expect(calls.map(([, message]) => message.replaceAll("\n", "")).join("")).toBe(`${line}${line}${long}`);
  });

  it("redacts passwords passed as fields", () => {
    const sink = new BufferedJujuLog();
    createLogger(sink).info({ password: "s3cret", user: { password: "x" } }, "login");
    expect(sink.pending[0]!.text).not.toContain("s3cret");
    expect(sink.pending[0]!.text).toContain("[redacted]");
  });
});

describe("runHook", () => {
  it("sets one status chosen by priority, then flushes the log; exit 0", async () => {
    fake.answer("is-leader", { stdout: "false\n" });
    const code = await runHook(
      (hook) => {
        hook.log.info("working");
        hook.report(waiting("for peers"));
        hook.report({ name: "active", message: "" });
        hook.reportApp(waiting("ignored on a non-leader"));
      },
      { env: env(), runner: fake.runner },
    );
    expect(code).toBe(0);
    expect(fake.argvs).toEqual([
      ["status-set", "--application=False", "waiting", "--", "for peers"],
      ["is-leader", "--format=json"],
      ["juju-log", "--log-level", "INFO", "--", "working"],
    ]);
  });

  it("logs malformed relation data and carries on", async () => {
    fake.answer("relation-ids", { stdout: '["cluster:0"]\n' });
    fake.answer("relation-get", { stdout: '{"state":"bogus"}\n' });
    const code = await runHook(
      (hook) => {
        const relation = hook.model.relation("cluster")!;
        expect(relation.unitData({ state: field.oneOf(["started"]) }, "zookeeper/1").data).toEqual({});
      },
      { env: env(), runner: fake.runner },
    );
    expect(code).toBe(0);
    const log = fake.calls.find((call) => call.argv[0] === "juju-log")!;
    expect(log.argv.slice(0, 3)).toEqual(["juju-log", "--log-level", "WARNING"]);
    expect(log.argv[4]).toContain("ignored malformed relation data");
    expect(log.argv[4]).toContain("cluster:0 zookeeper/1");
  });

  it("a failing handler exits 1 after logging the error; no status is set", async () => {
    const code = await runHook(
      () => {
        throw new Error("boom");
      },
      { env: env(), runner: fake.runner },
    );
    expect(code).toBe(1);
    expect(fake.argvs).toEqual([["juju-log", "--log-level", "ERROR", "--", expect.stringContaining("boom")]]);
  });

  it("a handler that fails after reporting a status still sets it (reporting runs also after an error)", async () => {
    const code = await runHook(
      (hook) => {
        hook.report(waiting("reconfig not done yet: NEW_CONFIG_NO_QUORUM"));
        throw new Error("boom");
      },
      { env: env(), runner: fake.runner },
    );
    expect(code).toBe(1);
    expect(fake.argvs[0]).toEqual([
      "status-set",
      "--application=False",
      "waiting",
      "--",
      "reconfig not done yet: NEW_CONFIG_NO_QUORUM",
    ]);
  });

  it("a broken context exits 1 without running the handler", async () => {
    let ran = false;
    const code = await runHook(
      () => {
        ran = true;
      },
      { env: { PATH: "/usr/bin" }, runner: fake.runner },
    );
    expect(code).toBe(1);
    expect(ran).toBe(false);
  });

  it("app-databag writes are refused without leadership, before any tool call writes", async () => {
    fake.answer("is-leader", { stdout: "false\n" });
    fake.answer("relation-ids", { stdout: '["cluster:0"]\n' });
    const code = await runHook(
      (hook) => {
        hook.model.relation("cluster")!.setLocalAppData({ k: field.string() }, { k: "v" });
      },
      { env: env(), runner: fake.runner },
    );
    expect(code).toBe(1);
    expect(fake.argvs.some((argv) => argv[0] === "relation-set")).toBe(false);
  });

  it("leadership lost before the application status is set: logged, not a failed hook", async () => {
    fake.answer("is-leader", { stdout: "true\n" });
    fake.answer("status-set", { stderr: "ERROR this unit is not the leader\n", exitCode: 1 });
    const code = await runHook((hook) => hook.reportApp(waiting("2 of 3 units are voting members")), {
      env: env(),
      runner: fake.runner,
    });
    expect(code).toBe(0);
    const log = fake.calls.find((call) => call.argv[0] === "juju-log")!;
    expect(log.argv.slice(0, 3)).toEqual(["juju-log", "--log-level", "INFO"]);
    expect(log.argv[4]).toContain("leadership moved to another unit during this hook");
  });

  it("skips status-set when the unit already shows that status; a failed hook or install sets it again", async () => {
    const charmDir = mkdtempSync(join(tmpdir(), "charm-dir-"));
    try {
      const run = (kind: string, handler: Parameters<typeof runHook>[0]) =>
        runHook(handler, {
          env: env({ JUJU_CHARM_DIR: charmDir, JUJU_DISPATCH_PATH: `hooks/${kind}`, JUJU_HOOK_NAME: kind }),
          runner: fake.runner,
        });
      const statusSets = () => fake.argvs.filter((argv) => argv[0] === "status-set").length;
      const ready = (hook: Parameters<Parameters<typeof runHook>[0]>[0]) => hook.report(waiting("for peers"));
      await run("update-status", ready);
      expect(statusSets()).toBe(1);
      await run("config-changed", ready);
      expect(statusSets()).toBe(1);
      expect(statSync(join(charmDir, ".unit-status.json")).mode & 0o777).toBe(0o600);
      // Juju sets statuses around install, start, stop and remove: always set there.
      await run("start", ready);
      expect(statusSets()).toBe(2);
      // A failed hook shows as error in Juju: the next one sets the charm's status again.
      await run("update-status", () => {
        throw new Error("boom");
      });
      await run("update-status", ready);
      expect(statusSets()).toBe(3);
      // Another status is set, of course.
      await run("update-status", (hook) => hook.report({ name: "active", message: "" }));
      expect(statusSets()).toBe(4);
    } finally {
      rmSync(charmDir, { recursive: true, force: true });
    }
  });

  it("databag writes send only changed keys", async () => {
    fake.answer("relation-ids", { stdout: '["cluster:0"]\n' });
    fake.answer("relation-get", { stdout: '{"a":"1","b":"2"}\n' });
    await runHook(
      (hook) => {
        const schema = { a: field.string(), b: field.string(), c: field.string() };
        const relation = hook.model.relation("cluster")!;
        relation.setLocalUnitData(schema, { a: "1", b: "3", c: null });
        relation.setLocalUnitData(schema, { a: "1", b: "3" });
      },
      { env: env(), runner: fake.runner },
    );
    const sets = fake.calls.filter((call) => call.argv[0] === "relation-set");
    expect(sets).toHaveLength(1);
    expect(JSON.parse(sets[0]!.stdin)).toEqual({ b: "3" });
  });
});
