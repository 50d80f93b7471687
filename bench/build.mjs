// Bundles the benchmark (bench/run.ts and what it imports: the emulator, the ZooKeeper client, the
// charm's renderers) into one file, build/bench/run.mjs. ESM, because the emulator finds its C sources
// through import.meta.url; the CommonJS packages inside it get a `require` from the banner. Vega and
// Vega-Lite (the timelines' charts) stay outside: node_modules is there when it runs, and only the
// drawing imports them, so the writer processes started from the same bundle never load them.
import { build } from "esbuild";

await build({
  entryPoints: ["bench/run.ts"],
  outfile: "build/bench/run.mjs",
  bundle: true,
  platform: "node",
  target: "node20",
  format: "esm",
  external: ["vega", "vega-lite"],
  banner: {
    js: 'import { createRequire } from "node:module"; const require = createRequire(import.meta.url);',
  },
  logLevel: "warning",
});
