/**
 * Which ZooKeeper package versions this charm revision runs, per base, and the choice of a target
 * version (pure). The package is held (apt-mark hold): only the charm moves it, one unit at a time
 * (cluster-plan.ts nextRestartGrant, unit-server.ts), to the version the peer application bag names.
 */

/** The packages the server runs from: the scripts and the jars (zookeeper depends on the same version). */
export const ZOOKEEPER_PACKAGES = ["zookeeper", "libzookeeper-java"] as const;

/** Versions apt offers of every ZooKeeper package (each version needs both at once). */
export function installableVersions(versionsOf: (name: string) => readonly string[]): string[] {
  const [first, ...rest] = ZOOKEEPER_PACKAGES.map(versionsOf);
  return (first ?? []).filter((version) => rest.every((versions) => versions.includes(version)));
}

/**
 * ZooKeeper minor versions this revision supports, by base (`<os id>@<version id>`, as charmcraft
 * names bases): the archive's own series, each tested (README, "Tested versions"). Dynamic
 * reconfiguration, the admin `conf` word and the TLS settings the charm writes need 3.8 or later.
 */
export const SUPPORTED_ZOOKEEPER: Readonly<Record<string, readonly string[]>> = {
  "ubuntu@24.04": ["3.9"],
  "debian@12": ["3.8"],
  "debian@13": ["3.9"],
};
/** Bases this revision does not name: the series it can run at all. */
const ANY_BASE = ["3.8", "3.9"] as const;

export const OS_RELEASE_PATH = "/etc/os-release";

/** The base from /etc/os-release (`debian@12`); undefined when it cannot be read. */
export function baseOf(osRelease: string | undefined): string | undefined {
  const field = (name: string) =>
    new RegExp(`^${name}=(?:"([^"]*)"|(\\S*))$`, "m")
      .exec(osRelease ?? "")
      ?.slice(1)
      .find((v) => v);
  const id = field("ID");
  const version = field("VERSION_ID");
  return id && version ? `${id}@${version}` : undefined;
}

export function supportedMinors(base: string | undefined): readonly string[] {
  return (base && SUPPORTED_ZOOKEEPER[base]) || ANY_BASE;
}

/** The upstream part of a Debian version: `3.8.0-11+deb12u2` → `3.8.0` (epoch and revision dropped). */
export function upstreamVersion(version: string): string {
  return version.replace(/^\d+:/, "").replace(/-[^-]*$/, "");
}

/** `3.8.0-11+deb12u2` → `3.8`. */
export function minorOf(version: string): string {
  return upstreamVersion(version).split(".").slice(0, 2).join(".");
}

/** Whether a ZooKeeper version string (`srvr`'s `3.8.0-…, built on …`) is that package's upstream. */
export function servesVersion(reported: string | undefined, packageVersion: string): boolean {
  return reported?.split(/[-,\s]/)[0] === upstreamVersion(packageVersion);
}

/** A Debian version as apt writes it. */
export const DEBIAN_VERSION = /^(?:\d+:)?[0-9][A-Za-z0-9.+~-]*$/;

const isDigit = (c: string | undefined): boolean => c !== undefined && c >= "0" && c <= "9";

/** dpkg's weight of a non-digit: the end and digits 0, `~` below everything, letters before the rest. */
function weight(c: string | undefined): number {
  if (c === undefined || isDigit(c)) return 0;
  if (c === "~") return -1;
  return /[A-Za-z]/.test(c) ? c.charCodeAt(0) : c.charCodeAt(0) + 256;
}

/** dpkg's verrevcmp: alternating non-digit runs (by weight) and digit runs (by value). */
function comparePart(a: string, b: string): number {
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    while ((i < a.length && !isDigit(a[i])) || (j < b.length && !isDigit(b[j]))) {
      const difference = weight(a[i]) - weight(b[j]);
      if (difference !== 0) return difference;
      i += 1;
      j += 1;
    }
    while (a[i] === "0") i += 1;
    while (b[j] === "0") j += 1;
    let first = 0;
    while (isDigit(a[i]) && isDigit(b[j])) {
      first ||= a.charCodeAt(i) - b.charCodeAt(j);
      i += 1;
      j += 1;
    }
    if (isDigit(a[i])) return 1;
    if (isDigit(b[j])) return -1;
    if (first !== 0) return first;
  }
  return 0;
}

/** dpkg --compare-versions: negative when a is older than b, 0 when equal, positive when newer. */
export function compareDebianVersions(a: string, b: string): number {
  const split = (v: string) => {
    const epoch = /^(\d+):/.exec(v);
    const rest = epoch ? v.slice(epoch[0].length) : v;
    const dash = rest.lastIndexOf("-");
    return {
      epoch: Number(epoch?.[1] ?? 0),
      upstream: dash < 0 ? rest : rest.slice(0, dash),
      revision: dash < 0 ? "" : rest.slice(dash + 1),
    };
  };
  const x = split(a);
  const y = split(b);
  return x.epoch - y.epoch || comparePart(x.upstream, y.upstream) || comparePart(x.revision, y.revision);
}

/** Why this revision does not run `version` on `base`, or undefined when it does. */
export function unsupportedProblem(version: string, base: string | undefined): string | undefined {
  const minors = supportedMinors(base);
  if (minors.includes(minorOf(version))) return undefined;
  return `this charm revision runs ZooKeeper ${minors.join(" or ")} on ${base ?? "this base"}, not ${version}`;
}

export interface TargetCheck {
  /** The version asked for. */
  readonly version: string;
  readonly base: string | undefined;
  /** Versions apt can install here (apt-cache madison). */
  readonly available: readonly string[];
  /** The versions the units' servers run now. */
  readonly running: readonly string[];
}

/** Why the ensemble cannot move to `version`, or undefined when it can. */
export function targetProblem(check: TargetCheck): string | undefined {
  const { version, base, available, running } = check;
  if (!DEBIAN_VERSION.test(version) || version.length > 100) {
    return `version must be a Debian package version such as 3.9.3-1 (apt-cache madison zookeeper), not ${JSON.stringify(version)}`;
  }
  const unsupported = unsupportedProblem(version, base);
  if (unsupported) return unsupported;
  if (!available.includes(version)) {
    const listed = available.length > 0 ? available.join(", ") : "none";
    return `ZooKeeper ${version} is not available from this machine's apt sources (available: ${listed})`;
  }
  const newer = running.find((other) => compareMinors(minorOf(other), minorOf(version)) > 0);
  if (newer) {
    return `ZooKeeper ${minorOf(newer)} cannot go back to ${minorOf(version)}: an older minor version may not read the newer one's data`;
  }
  return undefined;
}

function compareMinors(a: string, b: string): number {
  const [am, an] = a.split(".").map(Number);
  const [bm, bn] = b.split(".").map(Number);
  return am! - bm! || an! - bn!;
}

/**
 * After a refresh: the version to move to when this revision no longer runs the current one on this
 * base (the newest supported version apt offers, never an older one), or undefined to keep it.
 */
export function requiredTarget(
  current: string,
  base: string | undefined,
  available: readonly string[],
): string | undefined {
  if (!unsupportedProblem(current, base)) return undefined;
  const minors = supportedMinors(base);
  return available
    .filter((version) => minors.includes(minorOf(version)) && compareDebianVersions(version, current) > 0)
    .sort(compareDebianVersions)
    .at(-1);
}
