/**
 * The ZooKeeper charm's event handler. Every hook runs the same reconcile (ARCHITECTURE.md, "One hook,
 * end to end"): there is no defer; a unit that must wait says what for and is woken by the next event.
 */
import type { Hook } from "../lib/juju";
import { runAction } from "./actions";
import { ClusterManager } from "./cluster/cluster-manager";
import { Host } from "./workload/host";

export async function handleEvent(hook: Hook): Promise<void> {
  if (hook.action) {
    runAction(hook, hook.action);
    return;
  }
  await new ClusterManager(hook, new Host()).reconcile();
}
