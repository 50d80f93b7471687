// Bundles the hook entry point and everything it imports into one file, dist/charm.js, that runs on
// Node.js 18 and later with nothing from node_modules at run time. With --sim it bundles the Juju
// emulator's CLI and the demo's ZooKeeper client into build/sim/ instead (development tools), and
// with --test-charm NAME a test charm of tests/charms/NAME into build/charms/NAME.
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import {
  chmodSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { basename, extname, join } from "node:path";
import { build } from "esbuild";
import { parse } from "yaml";

/**
 * dist/cos-assets.json: the alert rules and dashboards of src/cos, prepared as the cos_agent library
 * prepares them from a charm's directories (src/cos/cos-agent.ts adds the model's topology at run
 * time). Rule files: `{groups: [...]}`, or one rule, which becomes a group named after the file.
 * Dashboards: uid = shake256("<charm>-<path>", 20 bytes), tagged "charm: <charm>", then
 * base64(xz(JSON)) — Python's lzma.compress default (xz container, CRC64, preset 6).
 */
function cosAssets(charm) {
  const rulesDir = "src/cos/prometheus_alert_rules";
  const metricsRuleGroups = [];
  for (const file of readdirSync(rulesDir).sort()) {
    if (![".rule", ".rules", ".yml", ".yaml"].includes(extname(file))) continue;
    const content = parse(readFileSync(join(rulesDir, file), "utf8"));
    if (Array.isArray(content?.groups)) metricsRuleGroups.push(...content.groups);
    else if (content?.alert)
      metricsRuleGroups.push({ name: basename(file, extname(file)), rules: [content] });
  }
  const dashboardsDir = "src/cos/grafana_dashboards";
  const dashboards = readdirSync(dashboardsDir)
    .sort()
    .map((file) => {
      const path = join(dashboardsDir, file);
      const dashboard = JSON.parse(readFileSync(path, "utf8"));
      dashboard.uid = createHash("shake256", { outputLength: 20 }).update(`${charm}-${path}`).digest("hex");
      const tags = dashboard.tags ?? [];
      if (!tags.some((tag) => tag.startsWith("charm: "))) dashboard.tags = [...tags, `charm: ${charm}`];
      const xz = execFileSync("xz", ["--format=xz", "--check=crc64", "-6", "-c"], {
        input: JSON.stringify(dashboard),
      });
      return xz.toString("base64");
    });
  return { metricsRuleGroups, dashboards };
}

const quiet = process.argv.includes("--quiet");
const testCharm = process.argv.includes("--test-charm")
  ? process.argv[process.argv.indexOf("--test-charm") + 1]
  : undefined;

if (testCharm) {
  // A TypeScript test charm (tests/charms/<name>/charm.ts) as a deployable directory.
  const source = join("tests/charms", testCharm);
  const target = join("build/charms", testCharm);
  if (!existsSync(join(source, "charm.ts"))) throw new Error(`no test charm ${source}/charm.ts`);
  rmSync(target, { recursive: true, force: true });
  mkdirSync(join(target, "dist"), { recursive: true });
  for (const file of ["metadata.yaml", "config.yaml", "actions.yaml"])
    if (existsSync(join(source, file))) copyFileSync(join(source, file), join(target, file));
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
  // What runs on the unit: the charm (hooks/charm.ts) and its metrics service (src/metrics/main.ts),
  // each one minified CommonJS file for Node.js 18 and later.
  const unitProgram = {
    bundle: true,
    platform: "node",
    target: "node18",
    format: "cjs",
    minify: true,
    keepNames: true,
    legalComments: "eof",
    logLevel: "warning",
  };
  const result = await build({
    ...unitProgram,
    entryPoints: ["hooks/charm.ts"],
    outfile: "dist/charm.js",
    metafile: true,
  });
  const bytes = Object.values(result.metafile.outputs).reduce((sum, output) => sum + output.bytes, 0);
  if (!quiet) console.log(`dist/charm.js: ${bytes} bytes`);
  writeFileSync("dist/cos-assets.json", `${JSON.stringify(cosAssets("zookeeper"))}\n`);
  await build({ ...unitProgram, entryPoints: ["src/metrics/main.ts"], outfile: "dist/metrics.js" });
}
