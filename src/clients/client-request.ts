/**
 * What a client application asks for on the `zookeeper` relation (the data_interfaces "database"
 * protocol Kafka and the Python charm's clients speak, reference-charm §1.3.2), validated. A bad
 * request is refused with a reason; it never throws and never affects other clients.
 */

export type Permission = "c" | "d" | "r" | "w" | "a";

export interface ClientRequest {
  readonly relationId: number;
  readonly app: string;
  /** The chroot znode, normalised with a leading `/`. */
  readonly chroot: string;
  /** Permission letters in `cdrwa` order. */
  readonly perms: string;
  /** Provider fields the client wants in Juju secrets instead of plain relation data. */
  readonly requestedSecrets: readonly string[];
}

export type ParsedRequest =
  | { readonly kind: "request"; readonly request: ClientRequest }
  | { readonly kind: "incomplete"; readonly relationId: number; readonly app: string }
  | { readonly kind: "refused"; readonly relationId: number; readonly app: string; readonly reason: string };

/** ZooKeeper's path length is bounded by its 1 MB packet size; anything near it is a mistake. */
const MAX_CHROOT_LENGTH = 255;
const ALL_PERMS = "cdrwa";

/** ZooKeeper's PathUtils.validatePath refuses control characters and these Unicode ranges. */
function refusedByZooKeeper(char: string): boolean {
  const code = char.codePointAt(0) ?? 0;
  return (
    code <= 0x1f || (code >= 0x7f && code <= 0x9f) || (code >= 0xd800 && code <= 0xf8ff) || code >= 0xfff0
  );
}

/** Why `path` cannot be a client's chroot, or undefined when it can. */
export function chrootProblem(path: string): string | undefined {
  if (path.length > MAX_CHROOT_LENGTH) return `is longer than ${MAX_CHROOT_LENGTH} characters`;
  if (path === "/") return "is the root: a client gets its own znode, not the whole tree";
  if (path.endsWith("/")) return "ends with /";
  if (path.includes("//")) return "has an empty path element";
  // ZooKeeper's PathUtils.validatePath: no control or special Unicode characters, no . or .. elements.
  if ([...path].some(refusedByZooKeeper)) return "has characters ZooKeeper refuses";
  const elements = path.slice(1).split("/");
  if (elements.some((element) => element === "." || element === "..")) return "has a . or .. element";
  if (elements[0] === "zookeeper") return "is ZooKeeper's own /zookeeper tree";
  return undefined;
}

/** Reads one client relation's application bag (`database`/`chroot`, roles, requested secrets). */
export function parseClientRequest(
  relationId: number,
  app: string,
  bag: Readonly<Record<string, string>>,
): ParsedRequest {
  const rawChroot = bag.database || bag.chroot;
  if (!rawChroot) return { kind: "incomplete", relationId, app };
  const chroot = rawChroot.startsWith("/") ? rawChroot : `/${rawChroot}`;
  const problem = chrootProblem(chroot);
  if (problem) {
    return {
      kind: "refused",
      relationId,
      app,
      reason: `database ${JSON.stringify(rawChroot.slice(0, 80))} ${problem}`,
    };
  }
  const rawPerms = bag["extra-user-roles"] ?? bag["chroot-acl"] ?? "";
  const letters = rawPerms.trim().toLowerCase();
  if (letters !== "" && !/^[cdrwa]+$/.test(letters)) {
    return {
      kind: "refused",
      relationId,
      app,
      reason: `extra-user-roles ${JSON.stringify(rawPerms.slice(0, 40))} must be letters of cdrwa`,
    };
  }
  const perms =
    letters === "" ? ALL_PERMS : [...ALL_PERMS].filter((letter) => letters.includes(letter)).join("");
  let requestedSecrets: string[] = [];
  const rawSecrets = bag["requested-secrets"];
  if (rawSecrets) {
    try {
      const parsed: unknown = JSON.parse(rawSecrets);
      if (!Array.isArray(parsed) || !parsed.every((item) => typeof item === "string"))
        throw new Error("not a list");
      requestedSecrets = parsed;
    } catch {
      return {
        kind: "refused",
        relationId,
        app,
        reason: "requested-secrets is not a JSON list of field names",
      };
    }
  }
  return { kind: "request", request: { relationId, app, chroot, perms, requestedSecrets } };
}

/**
 * Which requests are served. Two applications may not share a chroot, nor nest one inside another
 * (the outer ACL would be applied over the inner client's znodes): the relation that asked first
 * (the lowest relation id) keeps it, the later one is refused until it asks for another.
 */
export function resolveConflicts(parsed: readonly ParsedRequest[]): ParsedRequest[] {
  const accepted: ClientRequest[] = [];
  const out: ParsedRequest[] = [];
  const overlaps = (a: string, b: string) => a === b || a.startsWith(`${b}/`) || b.startsWith(`${a}/`);
  for (const item of [...parsed].sort((a, b) => relationIdOf(a) - relationIdOf(b))) {
    if (item.kind !== "request") {
      out.push(item);
      continue;
    }
    const holder = accepted.find((other) => overlaps(other.chroot, item.request.chroot));
    if (holder) {
      out.push({
        kind: "refused",
        relationId: item.request.relationId,
        app: item.request.app,
        reason: `database ${item.request.chroot} overlaps ${holder.chroot}, already granted to ${holder.app} (relation ${holder.relationId})`,
      });
      continue;
    }
    accepted.push(item.request);
    out.push(item);
  }
  return out;
}

function relationIdOf(item: ParsedRequest): number {
  return item.kind === "request" ? item.request.relationId : item.relationId;
}
