// Bundles the hook entry point and everything it imports into one file, dist/charm.js, that runs on
// Node.js 18 and later with nothing from node_modules at run time. With --sim it bundles the Juju
// emulator's CLI and the demo's ZooKeeper client into build/sim/ instead (development tools).
import { build } from "esbuild";

const quiet = process.argv.includes("--quiet");

if (process.argv.includes("--sim")) {
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
