/**
 * ACLs as plain values, and the digest credential form ZooKeeper uses.
 *
 * Permissions are written as zkCli does: letters from `cdrwa` (create, delete, read, write, admin).
 * The bit values are `ZooDefs.Perms` (READ=1, WRITE=2, CREATE=4, DELETE=8, ADMIN=16).
 */
import { createHash } from "node:crypto";
import { BadArgumentsError } from "./errors";

export interface Acl {
  /** `digest`, `sasl`, `world`, `auth`, `ip`, `x509`, … */
  readonly scheme: string;
  /** For digest: `user:base64(sha1(user:password))`; for sasl: the user; for world: `anyone`. */
  readonly id: string;
  /** Letters from `cdrwa`, in that order. */
  readonly perms: string;
}

const PERMISSION_BITS: readonly (readonly [letter: string, bit: number])[] = [
  ["c", 4],
  ["d", 8],
  ["r", 1],
  ["w", 2],
  ["a", 16],
];

/** `"rw"` → 3. Rejects unknown letters and an empty set (ZooKeeper needs at least one bit). */
export function permsToMask(perms: string): number {
  let mask = 0;
  for (const letter of perms) {
    const entry = PERMISSION_BITS.find(([l]) => l === letter);
    if (!entry)
      throw new BadArgumentsError(
        `unknown permission ${JSON.stringify(letter)} in ${JSON.stringify(perms)}`,
        { op: "acl" },
      );
    mask |= entry[1];
  }
  if (mask === 0) throw new BadArgumentsError("an ACL needs at least one permission", { op: "acl" });
  return mask;
}

/** 31 → `"cdrwa"`. */
export function maskToPerms(mask: number): string {
  return PERMISSION_BITS.filter(([, bit]) => (mask & bit) !== 0)
    .map(([letter]) => letter)
    .join("");
}

/** Puts the letters in canonical `cdrwa` order (and validates them). */
export function normalizePerms(perms: string): string {
  return maskToPerms(permsToMask(perms));
}

/**
 * `user:base64(sha1("user:password"))` — the id of a `digest` ACL and the value of
 * `DigestAuthenticationProvider.superDigest` (same as `DigestAuthenticationProvider.generateDigest`,
 * notes §3.2). The username must not contain `:`, since ZooKeeper splits the auth string at the first one.
 */
export function digestCredential(username: string, password: string): string {
  if (username === "" || username.includes(":")) {
    throw new BadArgumentsError(
      `digest username must be non-empty and have no ':' (${JSON.stringify(username)})`,
      {
        op: "digest",
      },
    );
  }
  const hash = createHash("sha1").update(`${username}:${password}`, "utf8").digest("base64");
  return `${username}:${hash}`;
}

/** A `digest` ACL for the user with this password. */
export function digestAcl(username: string, password: string, perms: string): Acl {
  return { scheme: "digest", id: digestCredential(username, password), perms: normalizePerms(perms) };
}

/** A `sasl` ACL (the principal a SASL DIGEST-MD5 client authenticates as). */
export function saslAcl(username: string, perms: string): Acl {
  if (username === "") throw new BadArgumentsError("sasl username must be non-empty", { op: "acl" });
  return { scheme: "sasl", id: username, perms: normalizePerms(perms) };
}

/** `world:anyone`. */
export function worldAcl(perms: string): Acl {
  return { scheme: "world", id: "anyone", perms: normalizePerms(perms) };
}

/** Same entries regardless of order. */
export function sameAcls(a: readonly Acl[], b: readonly Acl[]): boolean {
  const key = (acl: Acl): string => `${acl.scheme}\u0000${acl.id}\u0000${normalizePerms(acl.perms)}`;
  const left = a.map(key).sort();
  const right = b.map(key).sort();
  return left.length === right.length && left.every((k, i) => k === right[i]);
}
