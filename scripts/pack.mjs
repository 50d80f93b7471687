// Builds build/zookeeper_ubuntu-24.04-amd64.charm: a zip laid out as `charmcraft pack` lays out a
// charm (juju-contract §7.1), with dispatch executable and config.yaml/actions.yaml generated from
// charmcraft.yaml when it declares options or actions.
import { execFileSync } from "node:child_process";
import { chmodSync, copyFileSync, mkdirSync, readFileSync, rmSync, utimesSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { parse, stringify } from "yaml";

const arch = process.env.CHARM_ARCH ?? "amd64";
const stage = join("build", "stage");
const charmFile = join("build", `zookeeper_ubuntu-24.04-${arch}.charm`);
// A fixed timestamp keeps the archive reproducible (SOURCE_DATE_EPOCH as reproducible-builds defines it).
const epoch = new Date(Number(process.env.SOURCE_DATE_EPOCH ?? 1_700_000_000) * 1000);

execFileSync(process.execPath, ["scripts/build.mjs", "--quiet"], { stdio: "inherit" });
rmSync(stage, { recursive: true, force: true });

function put(path, content, mode = 0o644) {
  const target = join(stage, path);
  mkdirSync(dirname(target), { recursive: true });
  if (content === undefined) copyFileSync(path, target);
  else writeFileSync(target, content);
  chmodSync(target, mode);
}

const recipe = parse(readFileSync("charmcraft.yaml", "utf8"));
put("dispatch", undefined, 0o755);
put("metadata.yaml");
put("dist/charm.js");
put("dist/metrics.js");
put("dist/cos-assets.json");
put("README.md");
put("LICENSE");
if (recipe.config?.options && Object.keys(recipe.config.options).length > 0) {
  put("config.yaml", stringify({ options: recipe.config.options }));
}
if (recipe.actions && Object.keys(recipe.actions).length > 0) put("actions.yaml", stringify(recipe.actions));
const version = JSON.parse(readFileSync("package.json", "utf8")).version;
put(
  "manifest.yaml",
  stringify({
    "charmcraft-version": `npm-pack-${version}`,
    "charmcraft-started-at": epoch.toISOString(),
    bases: [{ name: "ubuntu", channel: "24.04", architectures: [arch] }],
    analysis: {
      attributes: [
        { name: "language", result: "javascript" },
        { name: "framework", result: "unknown" },
      ],
    },
  }),
);
for (const path of execFileSync("find", [stage], { encoding: "utf8" }).trim().split("\n")) {
  utimesSync(path, epoch, epoch);
}
rmSync(charmFile, { force: true });
execFileSync("zip", ["-q", "-r", "-X", "-D", join("..", `zookeeper_ubuntu-24.04-${arch}.charm`), "."], {
  cwd: stage,
});
console.log(charmFile);
