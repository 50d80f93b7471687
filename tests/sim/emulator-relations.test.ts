/**
 * The emulator against juju-contract §5.3 "integrate" and "remove-relation", §4 (what a hook or
 * `juju exec` commits and who hears about it) and the secrets flow across applications, with two
 * probe applications: alpha (provides db) and beta (requires backend). One model, in order.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Controller } from "./controller";
import { eventNames, type Harness, PROBE, probeEvents, sleep, startModel, until } from "./emulator-harness";

let harness: Harness;
let c: Controller;
let relationId: number;

beforeAll(async () => {
  harness = await startModel();
  c = harness.controller;
  await c.deploy(PROBE, "alpha", { numUnits: 2 });
  await c.deploy(PROBE, "beta", { numUnits: 2 });
  harness.trackMachines();
  await c.waitFor({ timeoutMs: 60_000 });
});

afterAll(async () => {
  await harness?.teardown();
});

/** Every unit's events since `mark`, as `event` or `event(remote)`. */
function eventsSince(mark: number): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const unit of Object.keys(c.model.units).sort()) out[unit] = eventNames(c.model.logs, unit, mark);
  return out;
}

/** Runs a command on a unit and expects it to succeed; returns its stdout. */
async function sh(unit: string, command: string): Promise<string> {
  const result = await c.exec(unit, command);
  expect(result, `${unit}: ${command}`).toMatchObject({ code: 0, stderr: "" });
  return result.stdout;
}

describe("integrate (§5.3)", () => {
  it("runs relation-created, then joined → changed per remote unit on both sides, no app-level changed", async () => {
    const mark = c.model.logs.length;
    expect(() => c.integrate("alpha", "beta")).toThrow(/ambiguous relation/);
    relationId = c.integrate("alpha:db", "beta:backend");
    await c.waitFor({ timeoutMs: 30_000 });

    const sides = [
      { units: ["alpha/0", "alpha/1"], endpoint: "db", remoteApp: "beta", remotes: ["beta/0", "beta/1"] },
      {
        units: ["beta/0", "beta/1"],
        endpoint: "backend",
        remoteApp: "alpha",
        remotes: ["alpha/0", "alpha/1"],
      },
    ];
    for (const side of sides) {
      for (const unit of side.units) {
        const events = probeEvents(c.model.logs, unit).filter((e) => e.index >= mark);
        expect(events[0]).toMatchObject({
          event: `${side.endpoint}-relation-created`,
          remote: "",
          app: side.remoteApp,
          relation: `${side.endpoint}:${relationId}`,
        });
        const rest = events.slice(1).map((e) => `${e.event}(${e.remote})`);
        const pairs = side.remotes.map((remote) => [
          `${side.endpoint}-relation-joined(${remote})`,
          `${side.endpoint}-relation-changed(${remote})`,
        ]);
        // Sorted within one pass; the other side's units may enter scope in either order.
        expect([pairs.flat(), [...pairs].reverse().flat()]).toContainEqual(rest);
        for (const event of events) expect(event.app).toBe(side.remoteApp);
      }
    }
  });

  it("fires app-level relation-changed on the remote side only once the leader writes the app bag", async () => {
    const mark = c.model.logs.length;
    const refused = await c.exec("alpha/1", `relation-set -r ${relationId} --app token=abc`);
    expect(refused).toEqual({ code: 1, stdout: "", stderr: "ERROR cannot write relation settings\n" });
    await sh("alpha/0", `relation-set -r db:${relationId} --app token=abc`);
    await c.waitFor({ timeoutMs: 30_000 });

    const events = eventsSince(mark);
    expect(events["alpha/0"]).toEqual([]);
    expect(events["alpha/1"]).toEqual([]);
    for (const unit of ["beta/0", "beta/1"]) {
      expect(events[unit]).toEqual(["backend-relation-changed"]);
      const [event] = probeEvents(c.model.logs, unit).filter((e) => e.index >= mark);
      expect(event).toMatchObject({ remote: "", app: "alpha", relation: `backend:${relationId}` });
    }
    // A non-leader may read the remote app bag, but not its own app bag of a non-peer relation.
    expect(await sh("beta/1", `relation-get -r ${relationId} --app token alpha`)).toBe("abc\n");
    expect(await c.exec("alpha/1", `relation-get -r ${relationId} --app - alpha`)).toEqual({
      code: 1,
      stdout: "",
      stderr: "ERROR permission denied\n",
    });
  });

  it("gives a unit joining later the app-level changed before its joins (app bag non-empty)", async () => {
    const mark = c.model.logs.length;
    await c.addUnit("beta");
    harness.trackMachines();
    await c.waitFor({ timeoutMs: 60_000 });
    const backend = probeEvents(c.model.logs, "beta/2").filter(
      (e) => e.index >= mark && e.relation === `backend:${relationId}`,
    );
    expect(backend.map((e) => (e.remote ? `${e.event}(${e.remote})` : e.event))).toEqual([
      "backend-relation-created",
      "backend-relation-changed",
      "backend-relation-joined(alpha/0)",
      "backend-relation-changed(alpha/0)",
      "backend-relation-joined(alpha/1)",
      "backend-relation-changed(alpha/1)",
    ]);
    for (const unit of ["alpha/0", "alpha/1"]) {
      expect(eventNames(c.model.logs, unit, mark)).toEqual([
        "db-relation-joined(beta/2)",
        "db-relation-changed(beta/2)",
      ]);
    }
  });
});

describe("commit and discard (§4)", () => {
  it("commits an exec's relation-set: the writer sees it at once, the remote units get relation-changed", async () => {
    const mark = c.model.logs.length;
    expect(
      await sh("alpha/1", `relation-set -r db:${relationId} k=v; relation-get -r db:${relationId} k alpha/1`),
    ).toBe("v\n");
    await c.waitFor({ timeoutMs: 30_000 });
    const events = eventsSince(mark);
    expect(events["alpha/0"]).toEqual([]);
    expect(events["alpha/1"]).toEqual([]);
    for (const unit of ["beta/0", "beta/1", "beta/2"]) {
      expect(events[unit]).toEqual(["backend-relation-changed(alpha/1)"]);
    }
  });

  it("triggers nothing for a write that does not change the bag", async () => {
    const mark = c.model.logs.length;
    const version = c.model.relations[relationId]!.unitBags["alpha/1"]!.version;
    await sh("alpha/1", `relation-set -r ${relationId} k=v other=x; relation-set -r ${relationId} other=`);
    await sleep(300);
    await c.waitFor({ timeoutMs: 30_000 });
    expect(c.model.relations[relationId]!.unitBags["alpha/1"]!.version).toBe(version);
    expect(Object.values(eventsSince(mark)).flat()).toEqual([]);
  });

  it("commits juju exec even when the command exits non-zero, as Juju does", async () => {
    // Juju 3 runs `juju exec` as the juju-exec action and flushes its context with the error of
    // running the command, which utils/exec leaves nil for a non-zero exit (runner.go
    // runJujuExecAction, juju/utils exec.go Wait). Only hooks and charm actions discard on failure.
    const mark = c.model.logs.length;
    const result = await c.exec("alpha/1", `relation-set -r ${relationId} k=w; echo bye >&2; exit 1`);
    expect(result).toEqual({ code: 1, stdout: "", stderr: "bye\n" });
    await c.waitFor({ timeoutMs: 30_000 });
    expect(c.model.relations[relationId]!.unitBags["alpha/1"]!.data.k).toBe("w");
    expect(eventsSince(mark)["beta/0"]).toEqual(["backend-relation-changed(alpha/1)"]);
  });

  it("discards a charm action's buffered writes when it exits non-zero, keeping its results", async () => {
    const record = await c.runAction("alpha/0", "crash");
    expect(record.status).toBe("failed");
    expect(record.results).toMatchObject({ partial: "yes", "return-code": 3 });
    expect(c.unit("alpha/0").state).toEqual({});
  });

  it("keeps remote data a snapshot for the rest of a hook", async () => {
    const reader = c.exec(
      "beta/0",
      `a=$(relation-get -r ${relationId} k alpha/1); sleep 1; b=$(relation-get -r ${relationId} k alpha/1); echo "$a $b"`,
    );
    await sleep(300);
    await sh("alpha/1", `relation-set -r ${relationId} k=z`);
    expect((await reader).stdout).toBe("w w\n");
    expect(await sh("beta/0", `relation-get -r ${relationId} k alpha/1`)).toBe("z\n");
    await c.waitFor({ timeoutMs: 30_000 });
  });
});

describe("secrets across applications (§3.17, §5.3)", () => {
  let uri = "";

  it("lets the owner's leader add and grant a secret, and a unit of the related app read it", async () => {
    uri = (await sh("alpha/0", "secret-add --label creds password=s3cret")).trim();
    expect(uri).toMatch(/^secret:[0-9a-v]{20}$/);
    expect(await c.exec("beta/0", `secret-get ${uri} password`)).toMatchObject({ code: 1 });
    await sh("alpha/0", `secret-grant ${uri} -r ${relationId}`);
    expect(await sh("beta/0", `secret-get ${uri} password`)).toBe("s3cret\n");
    expect(await c.exec("beta/0", "secret-get secret:d0000000000000000000")).toEqual({
      code: 1,
      stdout: "",
      stderr: 'ERROR secret "d0000000000000000000" not found\n',
    });
  });

  it("runs secret-changed on the consumer that read it when the owner adds a revision", async () => {
    const mark = c.model.logs.length;
    // A non-leader does not get the application's secret metadata, so the call itself passes
    // (context.go UpdateSecret) and the controller refuses the commit.
    expect(await c.exec("alpha/1", `secret-set ${uri} password=nope`)).toEqual({
      code: 1,
      stdout: "",
      stderr: "ERROR permission denied\n",
    });
    await sh("alpha/0", `secret-set ${uri} password=n3w`);
    await c.waitFor({ timeoutMs: 30_000 });
    const events = eventsSince(mark);
    expect(events["beta/0"]).toEqual(["secret-changed"]);
    expect(probeEvents(c.model.logs, "beta/0").at(-1)).toMatchObject({
      event: "secret-changed",
      secret: uri,
    });
    for (const unit of ["alpha/0", "alpha/1", "beta/1", "beta/2"]) expect(events[unit]).toEqual([]);
    // The consumer keeps its tracked revision until it refreshes.
    expect(await sh("beta/0", `secret-get ${uri} password`)).toBe("s3cret\n");
    expect(await sh("beta/0", `secret-get ${uri} password --refresh`)).toBe("n3w\n");
    expect(await sh("beta/0", `secret-get ${uri} password`)).toBe("n3w\n");
  });

  it("runs secret-remove on the owner's leader once no unit tracks an old revision; --revision prunes it", async () => {
    const id = uri.slice("secret:".length);
    // beta/0, the only unit that tracked revision 1, moved to revision 2 above (the owner never read it).
    await c.waitFor({ timeoutMs: 30_000 });
    const removals = probeEvents(c.model.logs).filter((event) => event.event === "secret-remove");
    expect(removals.map((event) => `${event.unit} ${event.secret}`)).toEqual([`alpha/0 ${uri}`]);
    expect(c.model.secrets[id]!.revisions.map((revision) => revision.revision)).toEqual([1, 2]);
    await sh("alpha/0", `secret-remove ${uri} --revision 1`);
    expect(c.model.secrets[id]!.revisions.map((revision) => revision.revision)).toEqual([2]);
  });

  it("runs secret-rotate on the owner's leader when due, 5 minutes later again until a new revision", async () => {
    const minute = 60_000;
    const rotations = (mark: number) =>
      probeEvents(c.model.logs)
        .filter((event) => event.index >= mark && event.event === "secret-rotate")
        .map((event) => `${event.unit} ${event.secret}`);
    await sh("alpha/0", `secret-set ${uri} --rotate hourly`);
    let mark = c.model.logs.length;
    c.advanceClock(59 * minute);
    await c.waitFor({ timeoutMs: 30_000 });
    expect(rotations(mark)).toEqual([]);
    c.advanceClock(minute + 1_000);
    await c.waitFor({ timeoutMs: 30_000 });
    expect(rotations(mark)).toEqual([`alpha/0 ${uri}`]);
    // The hook made no new revision: Juju asks again after RotateRetryDelay (5 minutes).
    c.advanceClock(5 * minute + 1_000);
    await c.waitFor({ timeoutMs: 30_000 });
    expect(rotations(mark)).toEqual([`alpha/0 ${uri}`, `alpha/0 ${uri}`]);
    // This time the hook rotates: the next one is a full hour away.
    c.setConfig("alpha", {
      "script-hook": "secret-rotate",
      script: 'secret-set "$JUJU_SECRET_ID" password=rotated',
    });
    await c.waitFor({ timeoutMs: 30_000 });
    mark = c.model.logs.length;
    c.advanceClock(5 * minute + 1_000);
    await c.waitFor({ timeoutMs: 30_000 });
    expect(rotations(mark)).toHaveLength(1);
    expect(c.model.secrets[uri.slice("secret:".length)]!.revisions.at(-1)!.content).toEqual({
      password: "rotated",
    });
    c.advanceClock(30 * minute);
    await c.waitFor({ timeoutMs: 30_000 });
    expect(rotations(mark)).toHaveLength(1);
    c.setConfig("alpha", {}, ["script-hook", "script"]);
    await sh("alpha/0", `secret-set ${uri} --rotate never`);
    await c.waitFor({ timeoutMs: 30_000 });
  });

  it("runs secret-expired with the revision once it expires, every 5 minutes until it is removed", async () => {
    const id = uri.slice("secret:".length);
    const expiries = (mark: number) =>
      probeEvents(c.model.logs)
        .filter((event) => event.index >= mark && event.event === "secret-expired")
        .map((event) => `${event.unit} ${event.secret} ${event.revision}`);
    const mark = c.model.logs.length;
    await sh("alpha/0", `secret-set ${uri} password=short-lived --expire 1s`);
    const revision = c.model.secrets[id]!.revisions.at(-1)!.revision;
    await until(() => expiries(mark).length === 1, 10_000, "secret-expired");
    await c.waitFor({ timeoutMs: 30_000 });
    expect(expiries(mark)).toEqual([`alpha/0 ${uri} ${revision}`]);
    c.advanceClock(5 * 60_000 + 1_000);
    await c.waitFor({ timeoutMs: 30_000 });
    expect(expiries(mark)).toHaveLength(2);
    await sh("alpha/0", `secret-set ${uri} password=fresh`);
    await sh("alpha/0", `secret-remove ${uri} --revision ${revision}`);
    c.advanceClock(5 * 60_000 + 1_000);
    await c.waitFor({ timeoutMs: 30_000 });
    expect(expiries(mark)).toHaveLength(2);
  });
});

describe("remove-unit of a related unit (§5.3)", () => {
  it("departs and breaks the non-peer relation on the leaving unit; the remote side sees it depart", async () => {
    const mark = c.model.logs.length;
    c.removeUnit("beta/2");
    await c.waitFor({ timeoutMs: 30_000 });

    const leaving = probeEvents(c.model.logs, "beta/2").filter((e) => e.index >= mark);
    const byRelation = (relation: string) =>
      leaving
        .filter((e) => e.relation === relation)
        .map((e) => (e.remote ? `${e.event}(${e.remote})` : e.event));
    expect(byRelation(`backend:${relationId}`)).toEqual([
      "backend-relation-departed(alpha/0)",
      "backend-relation-departed(alpha/1)",
      "backend-relation-broken",
    ]);
    // Peer relations are never broken.
    expect(byRelation("peers:1")).toEqual([
      "peers-relation-departed(beta/0)",
      "peers-relation-departed(beta/1)",
    ]);
    for (const event of leaving.filter((e) => e.event.endsWith("-departed")))
      expect(event.departing).toBe("beta/2");
    // storage-detaching first (Juju's storage resolver), then every relation hook, stop, remove.
    expect(leaving[0]!.event).toBe("cache-storage-detaching");
    expect(leaving.slice(-2).map((e) => e.event)).toEqual(["stop", "remove"]);
    expect(leaving).toHaveLength(8);

    const events = eventsSince(mark);
    for (const unit of ["alpha/0", "alpha/1"]) expect(events[unit]).toEqual(["db-relation-departed(beta/2)"]);
    for (const unit of ["beta/0", "beta/1"])
      expect(events[unit]).toEqual(["peers-relation-departed(beta/2)"]);
    for (const unit of ["alpha/0", "alpha/1", "beta/0", "beta/1"]) {
      const [event] = probeEvents(c.model.logs, unit).filter((e) => e.index >= mark);
      expect(event!.departing).toBe("beta/2");
    }
    expect(c.model.relations[relationId]!.life).toBe("alive");
    // The departed unit's last settings stay readable for the life of the relation.
    expect(await sh("alpha/0", `relation-get -r ${relationId} - beta/2 --format=json`)).toMatch(
      /"private-address"/,
    );
    expect(await sh("alpha/0", `relation-list -r ${relationId}`)).toBe("beta/0\nbeta/1\n");
  });
});

describe("remove-relation (§5.3)", () => {
  it("runs departed per remote unit, then broken, on every unit; no relation-changed; grants go", async () => {
    c.setConfig("alpha", {
      "script-hook": "db-relation-broken",
      script: `juju-log "broken-ids=[$(relation-ids db | tr '\\n' ' ')]"`,
    });
    await c.waitFor({ timeoutMs: 30_000 });
    const mark = c.model.logs.length;
    c.restartAgent("alpha/1");
    c.removeRelation("alpha", "beta");
    await c.waitFor({ timeoutMs: 30_000 });

    const events = eventsSince(mark);
    for (const unit of ["alpha/0", "alpha/1"]) {
      expect(events[unit]).toEqual([
        "db-relation-departed(beta/0)",
        "db-relation-departed(beta/1)",
        "db-relation-broken",
      ]);
      const detailed = probeEvents(c.model.logs, unit).filter((e) => e.index >= mark);
      for (const event of detailed.slice(0, 2)) expect(event.departing).toBe(event.remote);
      // After an agent restart Juju exports JUJU_REMOTE_APP empty in relation-broken (LP 1960934).
      const app = unit === "alpha/1" ? "" : "beta";
      expect(detailed[2]).toMatchObject({ remote: "", app, relation: `db:${relationId}` });
    }
    // relation-ids inside relation-broken no longer lists the broken relation (Juju >= 3.4).
    const brokenIds = c.model.logs
      .slice(mark)
      .filter((record) => record.message.includes("broken-ids="))
      .map((record) => `${record.unit} ${record.message.slice(record.message.indexOf("broken-ids="))}`);
    expect(brokenIds.sort()).toEqual(["alpha/0 broken-ids=[]", "alpha/1 broken-ids=[]"]);
    for (const unit of ["beta/0", "beta/1"]) {
      expect(events[unit]).toEqual([
        "backend-relation-departed(alpha/0)",
        "backend-relation-departed(alpha/1)",
        "backend-relation-broken",
      ]);
    }
    expect(c.model.relations[relationId]).toBeUndefined();
    expect(await sh("alpha/0", "relation-ids db --format=json")).toBe("[]\n");
    expect(await c.exec("alpha/0", `relation-get -r ${relationId} - beta/0`)).toEqual({
      code: 2,
      stdout: "",
      stderr: `ERROR invalid value "${relationId}" for flag -r: relation not found\n`,
    });
    expect(Object.values(c.model.secrets)[0]!.grants).toEqual([]);
    expect((await c.exec("beta/0", `secret-get ${Object.values(c.model.secrets)[0]!.id}`)).code).toBe(1);
  });
});

describe("entering scope (§3.3)", () => {
  it("fills the unit's own bag with its addresses before relation-created runs", async () => {
    await c.deploy(PROBE, "gamma", {
      config: {
        "script-hook": "db-relation-created",
        script: 'juju-log "own-bag=$(relation-get - "$JUJU_UNIT_NAME" --format=json)"',
      },
    });
    await c.waitFor({ timeoutMs: 30_000 });
    c.integrate("gamma:db", "beta:backend");
    await c.waitFor({ timeoutMs: 30_000 });
    const line = c.model.logs.find(
      (record) => record.unit === "gamma/0" && record.message.includes("own-bag="),
    );
    const address = c.unit("gamma/0").address;
    expect(JSON.parse(line!.message.slice(line!.message.indexOf("own-bag=") + "own-bag=".length))).toEqual({
      "egress-subnets": `${address}/32`,
      "ingress-address": address,
      "private-address": address,
    });
  });

  it("refreshes those addresses after a committed config-changed (the machine's address moved)", async () => {
    // The model's record of the unit's address (the emulator has no API to move a machine).
    const unit = c.unit("gamma/0") as { address: string };
    const before = unit.address;
    // As if the machine's address changed (a new DHCP lease): Juju runs config-changed, and its
    // commit updates the unit's network settings in every relation.
    unit.address = "127.254.0.9";
    try {
      c.setConfig("gamma", { value: "moved" });
      await c.waitFor({ timeoutMs: 30_000 });
      const relation = Object.values(c.model.relations).find((candidate) => candidate.unitBags["gamma/0"]);
      expect(relation!.unitBags["gamma/0"]!.data).toMatchObject({
        "ingress-address": "127.254.0.9",
        "private-address": "127.254.0.9",
        "egress-subnets": "127.254.0.9/32",
      });
    } finally {
      unit.address = before;
    }
  });
});
