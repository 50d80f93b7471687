// Bundles the hook entry point and everything it imports into one file, dist/charm.js, that runs on
// Node.js 18 and later with nothing from node_modules at run time.
import { build } from "esbuild";

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
if (!process.argv.includes("--quiet")) console.log(`dist/charm.js: ${bytes} bytes`);
