// Bundles the hook entry point and everything it imports into one file, dist/charm.js, that runs on
// Node.js 18 and later with nothing from node_modules at run time. With --sim it bundles the Juju
// emulator's CLI and the demo's ZooKeeper client into build/sim/ instead (development tools), and
// with --client-charm the test client charm into build/charms/zk-client.
import { chmodSync, copyFileSync, mkdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import { build } from "esbuild";

const quiet = process.argv.includes("--quiet");

if (process.argv.includes("--client-charm")) {
  // The test client charm (tests/charms/zk-client) as a deployable directory: build/charms/zk-client.
  const source = "tests/charms/zk-client";
  const target = "build/charms/zk-client";
  rmSync(target, { recursive: true, force: true });
  mkdirSync(join(target, "dist"), { recursive: true });
  for (const file of ["metadata.yaml", "config.yaml", "actions.yaml"])
    copyFileSync(join(source, file), join(target, file));
  copyFileSync("dispatch", join(target, "dispatch"));
  chmodSync(join(target, "dispatch"), 0o755);
  await build({
    entryPoints: [join(source, "charm.ts")],
    outfile: join(target, "dist", "charm.js"),
    bundle: true,
    platform: "node",
    target: "node18",
    format: "cjs",
    logLevel: "warning",
  });
} else if (process.argv.includes("--sim")) {
  await build({
    entryPoints: ["tests/sim/cli.ts"],
    outfile: "build/sim/cli.mjs",
    bundle: true,
    platform: "node",
    target: "node20",
    format: "esm",
    packages: "external",
    logLevel: "warning",
  });
  await build({
    entryPoints: ["scripts/zk-client.ts"],
    outfile: "build/sim/zk-client.cjs",
    bundle: true,
    platform: "node",
    target: "node20",
    format: "cjs",
    logLevel: "warning",
  });
} else {
  const result = await build({
    entryPoints: ["hooks/charm.ts"],
    outfile: "dist/charm.js",
    bundle: true,
    platform: "node",
    target: "node18",
    format: "cjs",
    minify: true,
    keepNames: true,
    legalComments: "eof",
    metafile: true,
    logLevel: "warning",
  });
  const bytes = Object.values(result.metafile.outputs).reduce((sum, output) => sum + output.bytes, 0);
  if (!quiet) console.log(`dist/charm.js: ${bytes} bytes`);
}
