import { describe, expect, it } from "vitest";
import { passwordProblem, rotate } from "../../../src/actions";
import {
  adminIdentities,
  type Credentials,
  credentialsFingerprint,
  generatePassword,
  parseCredentials,
  planCredentials,
  quorumJaas,
  serializeCredentials,
} from "../../../src/cluster/credentials";

const base: Credentials = {
  super: "S".repeat(32),
  superPrevious: undefined,
  sync: { username: "sync", password: "Y".repeat(32) },
  syncNext: undefined,
  clients: new Map([[7, "C".repeat(32)]]),
};

describe("credentials", () => {
  it("generates 32 alphanumerics", () => {
    const password = generatePassword();
    expect(password).toMatch(/^[A-Za-z0-9]{32}$/);
    expect(generatePassword()).not.toBe(password);
  });

  it("round-trips through the secret's content", () => {
    const content = serializeCredentials(base);
    expect(content).toEqual({
      "super-password": base.super,
      "sync-username": "sync",
      "sync-password": base.sync.password,
      "relation-7": "C".repeat(32),
    });
    expect(parseCredentials(content)).toEqual(base);
    expect(parseCredentials({ "super-password": "x" })).toBeUndefined();
  });

  it("reads the Python charm's secret (no sync-username) as user sync", () => {
    expect(parseCredentials({ "super-password": "a", "sync-password": "b" })?.sync).toEqual({
      username: "sync",
      password: "b",
    });
  });

  it("a sync rotation accepts both identities, switches learners, then drops the old one", () => {
    const rotating = rotate(base, "sync", "N".repeat(32)) as Credentials;
    expect(rotating.syncNext).toEqual({ username: "sync2", password: "N".repeat(32) });
    const accept = quorumJaas(rotating, "accept");
    expect(accept.accepted).toEqual([base.sync, rotating.syncNext]);
    expect(accept.learner).toEqual(base.sync);
    expect(quorumJaas(rotating, "switch").learner).toEqual(rotating.syncNext);
    const done: Credentials = { ...rotating, sync: rotating.syncNext!, syncNext: undefined };
    expect(quorumJaas(done, undefined)).toEqual({
      accepted: [rotating.syncNext],
      learner: rotating.syncNext,
    });
    // Each phase is a different server configuration, so each rolls the ensemble once.
    const prints = [
      credentialsFingerprint(base, undefined),
      credentialsFingerprint(rotating, "accept"),
      credentialsFingerprint(rotating, "switch"),
      credentialsFingerprint(done, undefined),
    ];
    expect(new Set(prints).size).toBe(4);
    // The next rotation goes back to the user name `sync`.
    expect((rotate(done, "sync", "M".repeat(32)) as Credentials).syncNext?.username).toBe("sync");
  });

  it("a super rotation keeps the old password for admin sessions until every server runs the new one", () => {
    const rotating = rotate(base, "super", "P".repeat(32)) as Credentials;
    expect(rotating.super).toBe("P".repeat(32));
    expect(adminIdentities(rotating)).toEqual([
      { username: "super", password: "P".repeat(32) },
      { username: "super", password: base.super },
    ]);
    expect(rotate(rotating, "super", "Q".repeat(32))).toMatch(/still rolling out/);
  });

  it("setting the same password changes nothing; a second sync change waits for the first", () => {
    expect(rotate(base, "super", base.super)).toBe(base);
    expect(rotate(base, "sync", base.sync.password)).toBe(base);
    const rotating = rotate(base, "sync", "N".repeat(32)) as Credentials;
    expect(rotate(rotating, "sync", "O".repeat(32))).toMatch(/still rolling out/);
  });

  it.each([
    ["short", /at least 8/],
    ["x".repeat(129), /at most 128/],
    ["with space1", /printable ASCII without spaces/],
    ['quote"quote', /quotes or backslashes/],
    ["back\\slash", /quotes or backslashes/],
    ["dollar$" + "{x}y", /\$\{/],
  ])("refuses the password %j", (password, reason) => {
    expect(passwordProblem(password)).toMatch(reason);
  });

  it("accepts ordinary strong passwords", () => {
    expect(passwordProblem("Str0ng-Passw0rd!")).toBeUndefined();
    expect(passwordProblem(generatePassword())).toBeUndefined();
  });
});

describe("planCredentials (the leader's rotation state machine)", () => {
  const syncRotating: Credentials = { ...base, syncNext: { username: "sync2", password: "N".repeat(32) } };
  const superRotating: Credentials = { ...base, super: "T".repeat(32), superPrevious: base.super };
  const runs = (credentials: Credentials, phase: "accept" | "switch" | undefined, servers = 3) =>
    Array.from({ length: servers }, () => credentialsFingerprint(credentials, phase));

  it("nothing to do: the same credentials, no phase, no progress", () => {
    expect(planCredentials(base, undefined, base.clients, runs(base, undefined))).toEqual({
      credentials: base,
      phase: undefined,
      changed: false,
      progressed: false,
    });
  });

  it("a new sync identity starts the accept phase at once", () => {
    const plan = planCredentials(syncRotating, undefined, base.clients, runs(base, undefined));
    expect(plan).toMatchObject({ phase: "accept", changed: false, progressed: true });
  });

  it("accept → switch only once every server runs the accept step", () => {
    const partly = [...runs(syncRotating, "accept", 2), credentialsFingerprint(base, undefined)];
    expect(planCredentials(syncRotating, "accept", base.clients, partly)).toMatchObject({
      phase: "accept",
      progressed: false,
    });
    expect(planCredentials(syncRotating, "accept", base.clients, runs(syncRotating, "accept"))).toMatchObject(
      {
        phase: "switch",
        progressed: true,
      },
    );
  });

  it("switch → done: the new identity replaces the old one once every server logs in with it", () => {
    const plan = planCredentials(syncRotating, "switch", base.clients, runs(syncRotating, "switch"));
    expect(plan.phase).toBeUndefined();
    expect(plan.credentials.sync).toEqual(syncRotating.syncNext);
    expect(plan.credentials.syncNext).toBeUndefined();
    expect(plan).toMatchObject({ changed: true, progressed: true });
  });

  it("the previous super password is dropped only once every server runs the new digest", () => {
    const mixed = [...runs(superRotating, undefined, 2), credentialsFingerprint(base, undefined)];
    expect(planCredentials(superRotating, undefined, base.clients, mixed).credentials.superPrevious).toBe(
      base.super,
    );
    const done = planCredentials(superRotating, undefined, base.clients, runs(superRotating, undefined));
    expect(done.credentials.superPrevious).toBeUndefined();
    expect(done).toMatchObject({ changed: true, progressed: true });
  });

  it("client users follow the served relations: added and removed, nothing else moves", () => {
    const wanted = new Map([[9, "D".repeat(32)]]);
    const plan = planCredentials(base, undefined, wanted, runs(base, undefined));
    expect([...plan.credentials.clients]).toEqual([[9, "D".repeat(32)]]);
    expect(plan).toMatchObject({ changed: true, progressed: false, phase: undefined });
  });
});
