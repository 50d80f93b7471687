/**
 * The single entry point `dispatch` runs for every hook and action; esbuild bundles it, with
 * everything it imports, into dist/charm.js.
 */
import { runHook } from "../lib/juju";
import { handleEvent } from "../src/charm";

const major = Number(process.versions.node.split(".")[0]);
if (major < 18) {
  process.stderr.write(`zookeeper charm: Node.js >= 18 is required, this is ${process.version}\n`);
  process.exit(1);
}

runHook(handleEvent).then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`zookeeper charm: ${String(error)}\n`);
    process.exit(1);
  },
);
