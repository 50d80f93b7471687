/**
 * The emulator's hook contract beyond event order: hook-tool error texts through the real tool
 * executables (juju-contract §2–§3), a failing hook with Juju's retries and `resolved` (§5.5),
 * actions (§3.13), typed config (§3.6, `juju config`), status while in error (§8), update-status on
 * the model's timer, and the hook-tool round trip. One two-unit probe model, in order.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { executeCommand } from "./commands";
import type { Controller } from "./controller";
import {
  eventNames,
  type Harness,
  isRunning,
  median,
  PROBE,
  probeEvents,
  sleep,
  startModel,
  until,
} from "./emulator-harness";
import { nextRetryDelay } from "./retry";
import { formattedStatus, tabularStatus } from "./status";

let harness: Harness;
let c: Controller;

beforeAll(async () => {
  harness = await startModel();
  c = harness.controller;
  await c.deploy(PROBE, "probe", { numUnits: 2 });
  harness.trackMachines();
  await c.waitFor({ timeoutMs: 60_000 });
});

afterAll(async () => {
  await harness?.teardown();
});

function error(code: number, message: string): { code: number; stdout: string; stderr: string } {
  return { code, stdout: "", stderr: `ERROR ${message}\n` };
}

/** Lines a hook wrote to stdout/stderr, as logged under `unit.<unit>.<hook>`. */
function hookOutput(unit: string, hook: string, fromIndex: number): string[] {
  return c.model.logs
    .slice(fromIndex)
    .filter((record) => record.logger === `unit.${unit}.${hook}`)
    .map((record) => `${record.level} ${record.message}`);
}

describe("the machine's service manager", () => {
  it("enables a unit twice without error and reports it enabled (regression: EEXIST on enable --now)", async () => {
    const unitFile =
      "[Unit]\nDescription=sleeper\n[Service]\nExecStart=/bin/sleep 600\n[Install]\nWantedBy=multi-user.target\n";
    await c.exec(
      "probe/0",
      `printf '${unitFile}' > /etc/systemd/system/sleeper.service && systemctl daemon-reload`,
    );
    expect((await c.exec("probe/0", "systemctl enable --now sleeper")).code).toBe(0);
    expect(
      await c.exec("probe/0", "systemctl enable --now sleeper; systemctl is-enabled sleeper"),
    ).toMatchObject({
      code: 0,
      stdout: "enabled\n",
    });
    expect((await c.exec("probe/0", "systemctl disable --now sleeper")).code).toBe(0);
    expect((await c.exec("probe/0", "systemctl is-enabled sleeper")).stdout).toBe("disabled\n");
  });
});

describe("hook context and tool errors through the real executables", () => {
  it("prints Juju's texts and exit codes", async () => {
    expect(await c.exec("probe/1", "relation-set -r peers:0 --app x=y")).toEqual(
      error(1, "cannot write relation settings"),
    );
    expect(await c.exec("probe/0", "relation-get -r 99 - probe/1")).toEqual(
      error(2, 'invalid value "99" for flag -r: relation not found'),
    );
    expect(await c.exec("probe/0", "relation-get -r peers:x - probe/1")).toEqual(
      error(2, 'invalid value "peers:x" for flag -r: invalid relation id'),
    );
    expect(await c.exec("probe/0", "status-set bogus")).toEqual(
      error(2, 'invalid status "bogus", expected one of [maintenance blocked waiting active]'),
    );
    expect(await c.exec("probe/1", "status-set --application active")).toEqual(
      error(1, "this unit is not the leader"),
    );
    expect(await c.exec("probe/0", "secret-get secret:d0000000000000000000")).toEqual(
      error(1, 'secret "d0000000000000000000" not found'),
    );
    expect(await c.exec("probe/0", "relation-ids")).toEqual(error(2, "no endpoint name specified"));
    expect(await c.exec("probe/0", "is-leader --bogus")).toEqual(
      error(2, "flag provided but not defined: --bogus"),
    );
    expect(await c.exec("probe/0", "is-leader; is-leader --format=json")).toMatchObject({
      code: 0,
      stdout: "True\ntrue\n",
    });
    expect((await c.exec("probe/1", "is-leader --format=json")).stdout).toBe("false\n");
  });

  it("runs hooks in the charm directory with the environment Juju builds, nothing inherited (§1.3)", async () => {
    const mark = c.model.logs.length;
    // bash itself adds PWD, SHLVL and _ to what it exports.
    c.setConfig("probe", {
      "script-hook": "config-changed",
      script:
        "pwd; env | cut -d= -f1 | grep -vx -e PWD -e SHLVL -e _ | sort | tr '\\n' ' '; echo; echo $PATH",
    });
    await c.waitFor({ timeoutMs: 30_000 });
    const [cwd, names, path] = hookOutput("probe/1", "config-changed", mark);
    expect(cwd).toBe("DEBUG /var/lib/juju/agents/unit-probe-1/charm");
    expect(names!.slice("DEBUG ".length).trim().split(" ")).toEqual([
      "APT_LISTCHANGES_FRONTEND",
      "CHARM_DIR",
      "CLOUD_API_VERSION",
      "DEBIAN_FRONTEND",
      "JUJU_AGENT_SOCKET_ADDRESS",
      "JUJU_AGENT_SOCKET_NETWORK",
      "JUJU_API_ADDRESSES",
      "JUJU_AVAILABILITY_ZONE",
      "JUJU_CHARM_DIR",
      "JUJU_CHARM_FTP_PROXY",
      "JUJU_CHARM_HTTPS_PROXY",
      "JUJU_CHARM_HTTP_PROXY",
      "JUJU_CHARM_NO_PROXY",
      "JUJU_CONTEXT_ID",
      "JUJU_DISPATCH_PATH",
      "JUJU_HOOK_NAME",
      "JUJU_MACHINE_ID",
      "JUJU_MODEL_NAME",
      "JUJU_MODEL_UUID",
      "JUJU_PRINCIPAL_UNIT",
      "JUJU_UNIT_NAME",
      "JUJU_VERSION",
      "LANG",
      "PATH",
      "TERM",
    ]);
    expect(path).toMatch(/^DEBUG \/var\/lib\/juju\/tools\/unit-probe-1:/);
  });

  it("refuses action tools in a hook, and runs juju exec as the juju-exec action", async () => {
    const mark = c.model.logs.length;
    c.setConfig("probe", {
      "script-hook": "config-changed",
      script:
        'for t in action-get "action-set a=b" "action-fail x" "action-log x"; do $t || echo "$t: $?"; done',
    });
    await c.waitFor({ timeoutMs: 30_000 });
    expect(hookOutput("probe/0", "config-changed", mark)).toEqual([
      "DEBUG action-get: 1",
      "DEBUG action-set a=b: 1",
      "DEBUG action-fail x: 1",
      "DEBUG action-log x: 1",
      "WARNING ERROR not running an action",
      "WARNING ERROR not running an action",
      "WARNING ERROR not running an action",
      "WARNING ERROR not running an action",
    ]);
    c.setConfig("probe", {}, ["script-hook", "script"]);
    await c.waitFor({ timeoutMs: 30_000 });
    // Juju 3 runs `juju exec` as the "juju-exec" action, so the action tools see its parameters.
    expect(await c.exec("probe/0", "action-get command; echo $JUJU_ACTION_NAME")).toMatchObject({
      code: 0,
      stdout: "action-get command; echo $JUJU_ACTION_NAME\njuju-exec\n",
    });
  });

  it("runs /usr/bin/juju-exec from a machine's own process as the unit agent's run listener does", async () => {
    const machine = c.machine("probe/0");
    const bare = { PATH: "/usr/bin:/bin" };
    // A full hook context with JUJU_HOOK_NAME empty and no action; changes kept whatever the exit code.
    const result = await machine.run(
      [
        "juju-exec",
        "probe/0",
        "echo ctx=$JUJU_CONTEXT_ID hook=[$JUJU_HOOK_NAME] action=[$JUJU_ACTION_NAME]; relation-set -r peers:0 woken=yes; exit 3",
      ],
      bare,
      "/",
    );
    expect(result.code).toBe(3);
    expect(result.stdout).toMatch(/^ctx=probe\/0-run-commands-\d+ hook=\[\] action=\[\]\n$/);
    expect(c.model.relations[0]!.unitBags["probe/0"]!.data.woken).toBe("yes");
    // The only unit on the machine is the default; several words are one command line.
    expect(await machine.run(["juju-exec", "echo", "hello", "world"], bare, "/")).toMatchObject({
      code: 0,
      stdout: "hello world\n",
    });
    expect(await machine.run(["juju-exec", "probe/1", "true"], bare, "/")).toMatchObject({
      code: 1,
      stderr: 'ERROR unit "probe/1" not found on this machine\n',
    });
    expect(
      await machine.run(
        ["juju-exec", "probe/0", "true"],
        { ...bare, JUJU_CONTEXT_ID: "probe/0-install-1" },
        "/",
      ),
    ).toMatchObject({
      code: 1,
      stderr: 'ERROR juju-exec cannot be called from within a hook, have context "probe/0-install-1"\n',
    });
  });

  it("kills a juju exec command at its timeout: the task fails as cancelled and its writes are discarded", async () => {
    const result = await c.exec(
      "probe/0",
      "relation-set -r peers:0 cancelled=yes; sleep 30 & echo $! > /tmp/sleeper; sleep 30",
      1_000,
    );
    expect(result).toEqual({ code: 1, stdout: "", stderr: "ERROR command cancelled\n" });
    expect(c.model.relations[0]!.unitBags["probe/0"]!.data.cancelled).toBeUndefined();
    // The whole process group went, also what the command left running in the background.
    const sleeper = Number((await c.exec("probe/0", "cat /tmp/sleeper")).stdout);
    expect(isRunning(sleeper)).toBe(false);
  });
});

describe("a failing hook (§5.5)", () => {
  let mark = 0;

  it("discards the hook's writes, shows error, and blocks the unit while retrying with backoff", async () => {
    mark = c.model.logs.length;
    c.setConfig("probe", { "fail-hook": "config-changed", value: "v1" });
    await until(
      () => c.unitsOf("probe").every((unit) => unit.agentStatus.status === "error"),
      20_000,
      "both units in error",
    );
    for (const unit of c.unitsOf("probe")) {
      expect(unit.agentStatus).toMatchObject({
        message: 'hook failed: "config-changed"',
        data: { hook: "config-changed" },
      });
      // The hook wrote value=v1 before exiting 1: not committed.
      expect(c.model.relations[0]!.unitBags[unit.name]!.data.value).toBeUndefined();
    }
    await expect(c.waitFor({ timeoutMs: 1_000 })).rejects.toThrow(
      /unit probe\/\d is in error: hook failed: "config-changed"/,
    );

    // Status: the error shows as the workload; the agent reads idle, so the unit still counts in Scale.
    const status = formattedStatus(c.model) as {
      applications: Record<
        string,
        { "application-status": unknown; units: Record<string, Record<string, unknown>> }
      >;
    };
    const app = status.applications.probe!;
    expect(app["application-status"]).toMatchObject({
      current: "error",
      message: 'hook failed: "config-changed"',
    });
    expect(app.units["probe/1"]!["workload-status"]).toMatchObject({
      current: "error",
      message: 'hook failed: "config-changed"',
    });
    expect(app.units["probe/1"]!["juju-status"]).toMatchObject({ current: "idle" });
    const tabular = tabularStatus(c.model);
    expect(tabular).toMatch(/^probe\s+error\s+2\s+probe\s/m);
    expect(tabular).toMatch(/^probe\/1\s+error\s+idle\s+1\s+\S+\s+hook failed: "config-changed"$/m);

    // While in error nothing but the failed hook runs: probe/0 commits a peer write through
    // juju exec (actions and juju-exec still run), yet probe/1 gets no relation-changed.
    await c.exec("probe/0", "relation-set -r peers:0 k=x");
    const echo = await c.runAction("probe/1", "echo", { message: "still here" });
    expect(echo.status).toBe("completed");
    await sleep(1_200);
    for (const unit of ["probe/0", "probe/1"]) {
      // (the probe logs its actions too: probe/1 ran `echo`)
      const events = eventNames(c.model.logs, unit, mark).filter((event) => event !== "echo");
      expect(new Set(events)).toEqual(new Set(["config-changed"]));
      // Retried with backoff: 100 ms doubling (Juju: 5 s doubling to 5 min).
      const times = probeEvents(c.model.logs, unit)
        .filter((event) => event.index >= mark && event.event === "config-changed")
        .map((event) => event.time);
      expect(times.length).toBeGreaterThanOrEqual(4);
      const gaps = times.slice(1).map((time, i) => time - times[i]!);
      gaps.forEach((gap, i) => {
        expect(gap).toBeGreaterThanOrEqual(Math.min(100 * 2 ** i, 2_000) - 5);
      });
    }
  });

  it("proceeds once the config is fixed: the retried hook commits and the peers hear of it", async () => {
    // Fix the config between two retries (none is running while both units show error).
    await until(
      () => c.unitsOf("probe").every((unit) => unit.agentStatus.status === "error"),
      10_000,
      "no retry under way",
    );
    const fixed = c.model.logs.length;
    c.setConfig("probe", { "fail-hook": "" });
    // waitFor fails fast on a unit in error, so first let the next retries (≤ 2 s apart) land.
    await until(
      () => c.unitsOf("probe").every((unit) => unit.agentStatus.status === "idle"),
      10_000,
      "both units out of error",
    );
    await c.waitFor({ timeoutMs: 30_000 });
    for (const unit of c.unitsOf("probe")) {
      expect(unit.agentStatus.status).toBe("idle");
      expect(c.model.relations[0]!.unitBags[unit.name]!.data.value).toBe("v1");
    }
    // The retry records the config it saw, so config-changed runs once; then the peer's commits
    // (k=x from the exec above, value=v1 once the peer recovered) arrive in one or two hooks.
    for (const [unit, peer] of [
      ["probe/0", "probe/1"],
      ["probe/1", "probe/0"],
    ] as const) {
      const [first, ...rest] = eventNames(c.model.logs, unit, fixed);
      expect(first).toBe("config-changed");
      expect(rest.length).toBeGreaterThanOrEqual(1);
      expect(new Set(rest)).toEqual(new Set([`peers-relation-changed(${peer})`]));
    }
  });

  it("waits for `resolved` when automatic retries are off, then runs the hook once", async () => {
    c.setModelConfig({ "automatically-retry-hooks": "false" });
    expect(() => c.resolved("probe/0")).toThrow(/not in an error state/);
    const failed = c.model.logs.length;
    c.setConfig("probe", { "fail-hook": "config-changed", value: "v2" });
    await until(
      () => c.unitsOf("probe").every((unit) => unit.agentStatus.status === "error"),
      20_000,
      "both units in error",
    );
    c.setConfig("probe", { "fail-hook": "" });
    await sleep(500);
    for (const unit of ["probe/0", "probe/1"])
      expect(eventNames(c.model.logs, unit, failed)).toEqual(["config-changed"]);

    const resolvedAt = c.model.logs.length;
    c.resolved("probe/0");
    await until(() => c.unit("probe/0").agentStatus.status !== "error", 10_000, "probe/0 resolved");
    await sleep(300);
    expect(c.unit("probe/1").agentStatus.status).toBe("error");
    c.resolved("probe/1");
    await c.waitFor({ timeoutMs: 30_000 });
    expect(eventNames(c.model.logs, "probe/0", resolvedAt)).toEqual([
      "config-changed",
      "peers-relation-changed(probe/1)",
    ]);
    expect(eventNames(c.model.logs, "probe/1", resolvedAt)).toEqual([
      "config-changed",
      "peers-relation-changed(probe/0)",
    ]);
    c.setModelConfig({ "automatically-retry-hooks": "true" });
  });
});

describe("retry timing (Juju's BackoffTimer)", () => {
  it("waits 5 s, then doubles each wait with up to 3 % jitter, capped at 5 min", () => {
    const delays = (random: () => number) => {
      const out: number[] = [];
      let previous: number | undefined;
      for (let i = 0; i < 10; i += 1) {
        previous = nextRetryDelay(previous, 5_000, 300_000, random);
        out.push(previous);
      }
      return out;
    };
    expect(delays(() => 0.5)).toEqual([
      5_000, 10_000, 20_000, 40_000, 80_000, 160_000, 300_000, 300_000, 300_000, 300_000,
    ]);
    const low = delays(() => 0);
    expect(low.slice(0, 3)).toEqual([5_000, 9_700, 18_818]);
    const high = delays(() => 1);
    expect(high.slice(0, 3)).toEqual([5_000, 10_300, 21_218]);
    for (let i = 0; i < 200; i += 1) {
      const [first, second] = delays(Math.random);
      expect(first).toBe(5_000);
      expect(second).toBeGreaterThanOrEqual(9_700);
      expect(second).toBeLessThanOrEqual(10_300);
    }
  });
});

describe("leadership lost in the middle of a hook", () => {
  it("answers is-leader False from then on, refuses leader tools and discards application-bag writes", async () => {
    const leader = c.leader("probe")!;
    const other = leader === "probe/0" ? "probe/1" : "probe/0";
    const mark = c.model.logs.length;
    c.loseLeadershipOnce(leader, "is-leader");
    const refused = await c.exec(
      leader,
      "relation-set -r peers:0 --app lost=yes; is-leader; leader-set k=v; is-leader",
    );
    expect(refused.stdout).toBe("True\nFalse\n");
    expect(refused.stderr).toContain(
      "ERROR cannot write leadership settings: cannot write settings: not the leader\n",
    );
    // The application-bag write made while it still led fails at commit (leadership token check).
    expect(refused.stderr).toContain(
      `ERROR cannot write relation settings: unit "${leader}" is not leader of application "probe"`,
    );
    expect(c.model.relations[0]!.appBags.probe?.data.lost).toBeUndefined();
    expect(c.leader("probe")).toBe(other);
    await c.waitFor({ timeoutMs: 30_000 });
    expect(eventNames(c.model.logs, other, mark)).toContain("leader-elected");
    expect(eventNames(c.model.logs, leader, mark)).toContain("leader-settings-changed");
    // Back as the other tests expect.
    c.moveLeadership("probe", leader);
    await c.waitFor({ timeoutMs: 30_000 });
    expect(c.leader("probe")).toBe(leader);
  });
});

describe("actions (§3.13)", () => {
  it("returns results, failures and partial results of a crash", async () => {
    const echo = await c.runAction("probe/leader", "echo", { message: "hello" });
    expect(echo).toMatchObject({
      unit: "probe/0",
      status: "completed",
      results: { echo: "hello", "return-code": 0 },
    });

    const fail = await c.runAction("probe/1", "fail");
    expect(fail).toMatchObject({ status: "failed", message: "asked to fail", results: { "return-code": 0 } });

    const crash = await c.runAction("probe/1", "crash");
    expect(crash).toMatchObject({ status: "failed", message: "exit status 3" });
    expect(crash.results).toMatchObject({ partial: "yes", "return-code": 3 });
    expect(c.unit("probe/1").state).toEqual({});
    // Actions never put the unit into error.
    expect(c.unit("probe/1").agentStatus.status).toBe("idle");
  });

  it("validates parameters against actions.yaml", async () => {
    await expect(c.runAction("probe/0", "echo", {})).rejects.toThrow(
      'validation failed: (root) : "message" property is missing and required',
    );
    await expect(c.runAction("probe/0", "echo", { message: "x", bogus: 1 })).rejects.toThrow(
      'additional property "bogus" is not allowed',
    );
    await expect(c.runAction("probe/0", "echo", { message: 5 })).rejects.toThrow(
      "(root).message : invalid type. Expected: string, given: integer",
    );
    await expect(c.runAction("probe/0", "nope")).rejects.toThrow('action "nope" not defined');
  });
});

describe("config (§3.6, juju config)", () => {
  it("rejects values of the wrong type as juju config does, and fires config-changed only on change", async () => {
    expect(() => c.setConfig("probe", { count: "abc" })).toThrow('option "count" expected int, got "abc"');
    expect(() => c.setConfig("probe", { count: " 5" })).toThrow('option "count" expected int, got " 5"');
    expect(() => c.setConfig("probe", { enabled: "yes" })).toThrow(
      'option "enabled" expected boolean, got "yes"',
    );
    expect(() => c.setConfig("probe", { nope: "1" })).toThrow('unknown option "nope"');
    await expect(c.deploy(PROBE, "other", { config: { count: "1.5" } })).rejects.toThrow(
      'option "count" expected int, got "1.5"',
    );

    const mark = c.model.logs.length;
    c.setConfig("probe", { count: "7", enabled: "False" });
    await c.waitFor({ timeoutMs: 30_000 });
    expect(eventNames(c.model.logs, "probe/0", mark)).toEqual(["config-changed"]);
    expect((await c.exec("probe/0", "config-get count; config-get --format=json enabled")).stdout).toBe(
      "7\nfalse\n",
    );
    const again = c.model.logs.length;
    c.setConfig("probe", { count: "7" });
    await sleep(300);
    await c.waitFor({ timeoutMs: 30_000 });
    expect(eventNames(c.model.logs, "probe/0", again)).toEqual([]);
  });

  it("accepts any int64, as Juju does (strconv.ParseInt), and prints it exactly", async () => {
    expect(() => c.setConfig("probe", { count: "9223372036854775808" })).toThrow(
      'option "count" expected int, got "9223372036854775808"',
    );
    c.setConfig("probe", { count: "9223372036854775807" });
    await c.waitFor({ timeoutMs: 30_000 });
    expect(
      (await c.exec("probe/0", "config-get count; config-get --format=json; config-get --format=yaml count"))
        .stdout,
    ).toMatch(/^9223372036854775807\n\{.*"count":9223372036854775807[,}].*\n9223372036854775807\n$/);
    // `juju config` prints it as the integer too.
    let out = "";
    const io = {
      cwd: "/",
      out: (text: string) => {
        out += text;
      },
      err: () => {},
      closed: new Promise<void>(() => {}),
    };
    expect(await executeCommand(c, ["config", "probe", "count"], io)).toBe(0);
    expect(await executeCommand(c, ["config", "probe", "--format", "json"], io)).toBe(0);
    expect(await executeCommand(c, ["config", "probe"], io)).toBe(0);
    const [single, json, ...yaml] = out.split("\n");
    expect(single).toBe("9223372036854775807");
    expect(JSON.parse(json!.replace(/9223372036854775807/g, '"big"')).settings.count.value).toBe("big");
    expect(yaml.join("\n")).toMatch(/count:\n(.*\n)*? {4}value: 9223372036854775807\n/);
    c.setConfig("probe", { count: "-9223372036854775808" });
    await c.waitFor({ timeoutMs: 30_000 });
    expect((await c.exec("probe/0", "config-get count")).stdout).toBe("-9223372036854775808\n");
    c.setConfig("probe", {}, ["count"]);
    await c.waitFor({ timeoutMs: 30_000 });
  });
});

describe("update-status", () => {
  it("runs on every unit at the model's update-status-hook-interval", async () => {
    expect(() => c.setModelConfig({ "update-status-hook-interval": "soon" })).toThrow(/invalid duration/);
    const mark = c.model.logs.length;
    c.setModelConfig({ "update-status-hook-interval": "1s" });
    await sleep(3_000);
    c.setModelConfig({ "update-status-hook-interval": "5m" });
    for (const unit of ["probe/0", "probe/1"]) {
      const times = probeEvents(c.model.logs, unit)
        .filter((event) => event.index >= mark && event.event === "update-status")
        .map((event) => event.time);
      expect(times.length).toBeGreaterThanOrEqual(2);
      expect(times[1]! - times[0]!).toBeGreaterThanOrEqual(990);
    }
    await c.waitFor({ timeoutMs: 30_000 });
  });
});

describe("performance", () => {
  /** Times 50 runs of `command` inside one juju exec with bash's EPOCHREALTIME (no extra process). */
  async function time(command: string): Promise<number[]> {
    const script = `for i in $(seq 50); do s=$EPOCHREALTIME; ${command}; e=$EPOCHREALTIME; echo "$s $e"; done`;
    const result = await c.exec("probe/0", script);
    expect(result.code).toBe(0);
    return result.stdout
      .trim()
      .split("\n")
      .map((line) => {
        const [start, end] = line.split(" ").map(Number) as [number, number];
        return (end - start) * 1000;
      });
  }

  it("measures the hook-tool round trip", async () => {
    const tool = await time("is-leader >/dev/null");
    const baseline = await time("/bin/true");
    expect(tool).toHaveLength(50);
    console.log(
      `hook-tool round trip (is-leader through jujuc, 50 calls): median ${median(tool).toFixed(2)} ms, ` +
        `max ${Math.max(...tool).toFixed(2)} ms; a bare /bin/true on the same machine: median ${median(baseline).toFixed(2)} ms`,
    );
  });
});
