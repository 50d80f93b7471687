/**
 * Fresh machine images for the emulator: a Debian 13 (trixie) root filesystem — the nearest to
 * Ubuntu 24.04 the Debian archive offers (ZooKeeper 3.9.3, Node 20) — built once with mmdebstrap and
 * cached, then shared read-only as the lower layer of every unit's machine (machine.ts).
 *
 * Nothing of the charm's workload is installed: no Node.js, no Java, no ZooKeeper, so `dispatch`
 * installs Node and the charm installs ZooKeeper as on a new cloud machine. What a cloud image has is
 * there (systemd, mount, hostname, CA certificates, apt with its package lists), and the .debs that
 * those installs will fetch are already in apt's cache, as a local mirror would serve them, so eight
 * units do not download the same 200 MB eight times.
 */
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, renameSync, rmSync } from "node:fs";
import { join } from "node:path";

export const IMAGE_CACHE_DIR = "/var/cache/zk-sim-images";

const SUITE = "trixie";
const MIRROR = "http://deb.debian.org/debian";
/** What a cloud image has besides the apt variant's essentials. */
const INCLUDE = ["ca-certificates", "mount", "hostname", "systemd"];
/** Fetched into apt's cache, not installed. */
const PREFETCH = ["nodejs", "zookeeper"];

/** The cached image's directory, built on first use (about half a minute and 460 MB). */
export function debianImage(): string {
  const recipe = JSON.stringify([SUITE, MIRROR, INCLUDE, PREFETCH]);
  const name = `${SUITE}-${createHash("sha256").update(recipe).digest("hex").slice(0, 12)}`;
  const path = join(IMAGE_CACHE_DIR, name);
  if (existsSync(path)) return path;
  mkdirSync(IMAGE_CACHE_DIR, { recursive: true });
  const building = `${path}.building-${process.pid}`;
  rmSync(building, { recursive: true, force: true });
  execFileSync(
    "mmdebstrap",
    [
      "--variant=apt",
      `--include=${INCLUDE.join(",")}`,
      // Keep apt's lists and cache: units install from them.
      "--skip=cleanup/apt",
      `--customize-hook=chroot "$1" apt-get install --download-only -y -q ${PREFETCH.join(" ")}`,
      SUITE,
      building,
      MIRROR,
    ],
    { stdio: ["ignore", "ignore", "pipe"], timeout: 900_000 },
  );
  // Another process may have finished the same image meanwhile; either copy will do.
  if (existsSync(path)) rmSync(building, { recursive: true, force: true });
  else renameSync(building, path);
  return path;
}
