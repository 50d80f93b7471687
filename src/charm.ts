/**
 * The ZooKeeper charm's event handler. Every hook runs the same reconcile (ARCHITECTURE.md, "One hook,
 * end to end"): there is no defer; a unit that must wait says what for and is woken by the next event.
 */
import type { Hook } from "../lib/juju";
import { runAction } from "./actions";
import { ClusterManager } from "./cluster/cluster-manager";
import { loadLocalState } from "./cluster/local-state";
import { type Ports, realPorts } from "./ports";
import { reconcileUnitTls } from "./tls/tls-requirer";

export async function handleEvent(hook: Hook, ports: Ports = realPorts()): Promise<void> {
  if (hook.action) {
    await runAction(hook, hook.action, ports);
    // The leader's own app-bag write wakes every unit but itself: it hands out the first upgrade turn
    // now (and, alone, upgrades itself) instead of at its next hook.
    if (hook.action.name !== "upgrade-zookeeper" || hook.action.hasFailed) return;
    try {
      await reconcile(hook, ports);
    } catch (error) {
      // The target is recorded: the action succeeded; the next hook carries the roll on.
      hook.log.warn({ error: String(error) }, "the reconcile after upgrade-zookeeper failed");
    }
    return;
  }
  const { kind, secret } = hook.context;
  if (kind === "secret-remove" && secret?.revision !== undefined) {
    // Juju says no unit tracks this revision of a secret the charm owns any more (the passwords
    // after a rotation or a client change, a client's credentials after an update): prune it, or
    // every change would leave one more revision behind.
    hook.model.secrets.remove(secret.id, secret.revision);
    hook.log.info({ revision: secret.revision }, "removed an obsolete secret revision");
    return;
  }
  await reconcile(hook, ports);
}

async function reconcile(hook: Hook, ports: Ports): Promise<void> {
  // This unit's certificate first: its key, request and files (the cluster reconcile will use them).
  const tls = reconcileUnitTls(
    hook,
    ports.machine,
    loadLocalState(ports.machine).address,
    new Date(ports.clock.now()),
  );
  await new ClusterManager(hook, ports, tls).reconcile();
}
