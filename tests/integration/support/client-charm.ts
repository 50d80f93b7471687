/** Builds the test client charm (tests/charms/zk-client) into a deployable directory. */
import { chmodSync, copyFileSync, mkdirSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { buildSync } from "esbuild";

const SOURCE = "tests/charms/zk-client";

export function buildClientCharm(): string {
  const dir = mkdtempSync(join(tmpdir(), "zk-client-charm-"));
  for (const file of ["metadata.yaml", "config.yaml", "actions.yaml"])
    copyFileSync(join(SOURCE, file), join(dir, file));
  copyFileSync("dispatch", join(dir, "dispatch"));
  chmodSync(join(dir, "dispatch"), 0o755);
  mkdirSync(join(dir, "dist"));
  buildSync({
    entryPoints: [join(SOURCE, "charm.ts")],
    outfile: join(dir, "dist", "charm.js"),
    bundle: true,
    platform: "node",
    target: "node18",
    format: "cjs",
    logLevel: "warning",
  });
  return dir;
}
