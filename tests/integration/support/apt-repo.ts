/**
 * A local apt repository holding newer builds of the installed ZooKeeper packages, for the
 * package-upgrade tests. What the tests change, and nothing else:
 * - the installed `zookeeper` and `libzookeeper-java` packages (kept by scripts/setup.sh in
 *   build/debs) are served as they are (the way back) and repackaged with `dpkg-deb` at `<installed version>+charmtest<N>`: the same files
 *   plus a marker (/usr/share/doc/zookeeper/charmtest-<N>) — or, for a broken build, with
 *   /usr/share/java/zookeeper.jar replaced by a few bytes, so the server cannot start;
 * - in each test machine (never on this host), the repository is copied under /var/lib/juju, a
 *   source `deb [trusted=yes] file:… ./` is added in /etc/apt/sources.list.d/charmtest.list and only
 *   that source's index is fetched (`apt-get update` limited to it: the machines are offline).
 */
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import {
  copyFileSync,
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { basename, join, resolve } from "node:path";
import type { Controller } from "../../sim/controller";

export const TEST_PACKAGES = ["libzookeeper-java", "zookeeper"] as const;

export interface Build {
  /** The suffix after the installed version: `+charmtest1`. */
  readonly suffix: string;
  /** Replace the server's jar with garbage: the JVM exits at once. */
  readonly broken?: boolean;
}

/** The version installed on this host (and so in every machine built on it). */
export function installedZooKeeperVersion(): string {
  // dpkg-query's own format syntax, not a template string.
  const format = ["-f=$", "{Version}"].join("");
  return execFileSync("dpkg-query", ["-W", format, "zookeeper"], { encoding: "utf8" });
}

function sourceDeb(name: string, version: string): string {
  const path = resolve("build", "debs", `${name}_${version.replace(/:/g, "%3a")}_all.deb`);
  if (!existsSync(path)) throw new Error(`${path} is missing: scripts/setup.sh keeps it (run npm test)`);
  return path;
}

/** Builds the repository in `dir` (once per content); returns the versions it holds. */
export function buildRepository(dir: string, builds: readonly Build[]): string[] {
  const installed = installedZooKeeperVersion();
  const versions = builds.map((build) => `${installed}${build.suffix}`);
  const index = join(dir, "Packages");
  const stamp = JSON.stringify(versions.map((version, i) => [version, builds[i]!.broken ?? false]));
  if (existsSync(index) && readFileSync(join(dir, "stamp"), "utf8") === stamp) return versions;
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const entries: string[] = [];
  for (const [i, build] of builds.entries()) {
    const version = versions[i]!;
    for (const name of TEST_PACKAGES) {
      const work = mkdtempSync(join(tmpdir(), "charmtest-deb-"));
      try {
        execFileSync("dpkg-deb", ["-R", sourceDeb(name, installed), work]);
        const controlPath = join(work, "DEBIAN", "control");
        const control = readFileSync(controlPath, "utf8")
          .replace(/^Version: .*$/m, `Version: ${version}`)
          .replaceAll(`(= ${installed})`, `(= ${version})`);
        writeFileSync(controlPath, control);
        const doc = join(work, "usr", "share", "doc", name);
        mkdirSync(doc, { recursive: true });
        writeFileSync(join(doc, `charmtest${build.suffix.replace(/^\+charmtest/, "-")}`), `${version}\n`);
        if (build.broken && name === "libzookeeper-java") {
          writeFileSync(join(work, "usr", "share", "java", "zookeeper.jar"), "not a jar\n");
        }
        const file = join(dir, `${name}_${version}_all.deb`);
        execFileSync("dpkg-deb", ["-Zgzip", "-z1", "--root-owner-group", "-b", work, file], {
          stdio: "pipe",
        });
        entries.push(indexEntry(dir, file, false));
      } finally {
        rmSync(work, { recursive: true, force: true });
      }
    }
  }
  // The installed build itself too: a machine going back to it may not have it in its apt cache, and
  // the machines are offline.
  for (const name of TEST_PACKAGES) entries.push(indexEntry(dir, sourceDeb(name, installed), true));
  writeFileSync(index, `${entries.join("\n\n")}\n`);
  writeFileSync(join(dir, "stamp"), stamp);
  return versions;
}

/** The package's stanza in the Packages index (copied into the repository when `copy`). */
function indexEntry(dir: string, path: string, copy: boolean): string {
  const file = basename(path);
  if (copy) copyFileSync(path, join(dir, file));
  const bytes = readFileSync(join(dir, file));
  const fields = execFileSync("dpkg-deb", ["-f", join(dir, file)], { encoding: "utf8" }).trimEnd();
  return [
    fields,
    `Filename: ./${file}`,
    `Size: ${statSync(join(dir, file)).size}`,
    `MD5sum: ${createHash("md5").update(bytes).digest("hex")}`,
    `SHA256: ${createHash("sha256").update(bytes).digest("hex")}`,
  ].join("\n");
}

const SOURCE_LIST = "/etc/apt/sources.list.d/charmtest.list";
const MACHINE_REPO = "/var/lib/juju/charmtest-apt";

/** Makes the repository one of the apt sources of `unit`'s machine, and fetches its index there. */
export async function addRepositoryTo(controller: Controller, unit: string, dir: string): Promise<void> {
  const target = join(controller.machine(unit).jujuDir, "charmtest-apt");
  rmSync(target, { recursive: true, force: true });
  cpSync(dir, target, { recursive: true });
  const script = [
    `echo 'deb [trusted=yes] file:${MACHINE_REPO} ./' > ${SOURCE_LIST}`,
    `apt-get update -qq -o Dir::Etc::sourcelist=${SOURCE_LIST} -o Dir::Etc::sourceparts=- -o APT::Get::List-Cleanup=0`,
  ].join(" && ");
  const result = await controller.exec(unit, script);
  if (result.code !== 0) throw new Error(`adding the test repository on ${unit}: ${result.stderr}`);
}
