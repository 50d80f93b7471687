import { describe, expect, it } from "vitest";
import { chrootProblem, parseClientRequest, resolveConflicts } from "../../../src/clients/client-request";

describe("parseClientRequest", () => {
  it.each<{ bag: Record<string, string>; chroot: string; perms: string }>([
    { bag: { database: "/kafka" }, chroot: "/kafka", perms: "cdrwa" },
    { bag: { database: "kafka" }, chroot: "/kafka", perms: "cdrwa" },
    { bag: { chroot: "/legacy", "chroot-acl": "rw" }, chroot: "/legacy", perms: "rw" },
    { bag: { database: "/a/b", "extra-user-roles": "ARWC" }, chroot: "/a/b", perms: "crwa" },
    { bag: { database: "/x", "extra-user-roles": "" }, chroot: "/x", perms: "cdrwa" },
  ])("accepts $bag", ({ bag, chroot, perms }) => {
    expect(parseClientRequest(7, "kafka", bag)).toEqual({
      kind: "request",
      request: { relationId: 7, app: "kafka", chroot, perms, requestedSecrets: [] },
    });
  });

  it("reads requested-secrets", () => {
    const parsed = parseClientRequest(7, "kafka", {
      database: "/kafka",
      "requested-secrets": '["username","password"]',
    });
    expect(parsed).toMatchObject({
      kind: "request",
      request: { requestedSecrets: ["username", "password"] },
    });
  });

  it("a request without a database is incomplete, not refused", () => {
    expect(parseClientRequest(7, "kafka", { "extra-user-roles": "r" })).toEqual({
      kind: "incomplete",
      relationId: 7,
      app: "kafka",
    });
  });

  it.each<[Record<string, string>, RegExp]>([
    [{ database: "/" }, /is the root/],
    [{ database: "/zookeeper" }, /ZooKeeper's own/],
    [{ database: "/zookeeper/quotas" }, /ZooKeeper's own/],
    [{ database: "/a/../b" }, /\. or \.\. element/],
    [{ database: "/a/./b" }, /\. or \.\. element/],
    [{ database: "/a//b" }, /empty path element/],
    [{ database: "/a/" }, /ends with/],
    [{ database: `/${"x".repeat(300)}` }, /longer than 255/],
    [{ database: "/bad\u0001name" }, /characters ZooKeeper refuses/],
    [{ database: "/ok", "extra-user-roles": "rwx" }, /letters of cdrwa/],
    [{ database: "/ok", "requested-secrets": "username" }, /JSON list/],
  ])("refuses %j with a reason", (bag, reason) => {
    const parsed = parseClientRequest(7, "kafka", bag);
    expect(parsed.kind).toBe("refused");
    expect(parsed.kind === "refused" && parsed.reason).toMatch(reason);
  });

  it("chrootProblem accepts ordinary paths", () => {
    expect(chrootProblem("/kafka")).toBeUndefined();
    expect(chrootProblem("/zookeeper-data")).toBeUndefined();
    expect(chrootProblem("/a/b/c")).toBeUndefined();
  });
});

describe("resolveConflicts", () => {
  const request = (relationId: number, chroot: string) =>
    parseClientRequest(relationId, `app${relationId}`, { database: chroot });

  it("the lowest relation id keeps a chroot; a later one asking for it, or inside or around it, is refused", () => {
    const resolved = resolveConflicts([
      request(9, "/kafka"),
      request(3, "/kafka"),
      request(5, "/kafka/inner"),
      request(6, "/other"),
    ]);
    expect(
      resolved.map((item) => [
        item.kind,
        item.kind === "request" ? item.request.relationId : item.relationId,
      ]),
    ).toEqual([
      ["request", 3],
      ["refused", 5],
      ["request", 6],
      ["refused", 9],
    ]);
    const refused = resolved.find((item) => item.kind === "refused" && item.relationId === 9);
    expect(refused?.kind === "refused" && refused.reason).toMatch(/already granted to app3 \(relation 3\)/);
  });

  it("prefixes that are not path elements do not conflict", () => {
    expect(
      resolveConflicts([request(1, "/kafka"), request(2, "/kafka2")]).every(
        (item) => item.kind === "request",
      ),
    ).toBe(true);
  });
});
