import { describe, expect, it } from "vitest";
import {
  BadArgumentsError,
  digestAcl,
  digestCredential,
  maskToPerms,
  normalizePerms,
  permsToMask,
  sameAcls,
  saslAcl,
  worldAcl,
} from "../../../lib/zookeeper";

describe("digestCredential", () => {
  // Expected values printed by ZooKeeper itself:
  // java -cp /usr/share/java/zookeeper.jar:/usr/share/java/slf4j-nop.jar \
  //   org.apache.zookeeper.server.auth.DigestAuthenticationProvider super:pw 'app:s3cr3t!' 'user:pässword:x'
  it.each([
    ["super", "pw", "super:0bX78nEegDzJM3ju0iLBEJdWzjg="],
    ["app", "s3cr3t!", "app:Jwn/9rvPZvGgqIcME9qPtsEfOFg="],
    // ZooKeeper splits at the first ':', so the password may contain one; UTF-8 is hashed as bytes.
    ["user", "pässword:x", "user:0xSO8Cob6I1d1QZ2B5i2ix0BGVU="],
  ])("%s / %s → %s (as DigestAuthenticationProvider.generateDigest)", (user, password, expected) => {
    expect(digestCredential(user, password)).toBe(expected);
  });

  it("rejects usernames ZooKeeper would split", () => {
    expect(() => digestCredential("a:b", "pw")).toThrow(BadArgumentsError);
    expect(() => digestCredential("", "pw")).toThrow(/^zookeeper digest: /);
  });
});

describe("permissions", () => {
  it("maps cdrwa letters to ZooDefs.Perms bits", () => {
    expect(permsToMask("r")).toBe(1);
    expect(permsToMask("w")).toBe(2);
    expect(permsToMask("c")).toBe(4);
    expect(permsToMask("d")).toBe(8);
    expect(permsToMask("a")).toBe(16);
    expect(permsToMask("cdrwa")).toBe(31);
    expect(maskToPerms(31)).toBe("cdrwa");
    expect(maskToPerms(3)).toBe("rw");
    expect(normalizePerms("awr")).toBe("rwa");
  });

  it("rejects unknown letters and empty sets", () => {
    expect(() => permsToMask("rx")).toThrow(BadArgumentsError);
    expect(() => permsToMask("")).toThrow(BadArgumentsError);
  });
});

describe("ACL builders", () => {
  it("build digest, sasl and world ACLs", () => {
    expect(digestAcl("super", "pw", "arwdc")).toEqual({
      scheme: "digest",
      id: "super:0bX78nEegDzJM3ju0iLBEJdWzjg=",
      perms: "cdrwa",
    });
    expect(saslAcl("kafka", "rw")).toEqual({ scheme: "sasl", id: "kafka", perms: "rw" });
    expect(worldAcl("r")).toEqual({ scheme: "world", id: "anyone", perms: "r" });
  });

  it("compares ACL lists regardless of order and letter order", () => {
    const a = [saslAcl("kafka", "cdrwa"), worldAcl("r")];
    const b = [worldAcl("r"), { scheme: "sasl", id: "kafka", perms: "adcrw" }];
    expect(sameAcls(a, b)).toBe(true);
    expect(sameAcls(a, [worldAcl("r")])).toBe(false);
  });
});
