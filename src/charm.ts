/**
 * The ZooKeeper charm's event handler. Every hook and non-action event runs the same reconcile.
 */
import { type Hook, maintenance } from "../lib/juju";

export function handleEvent(hook: Hook): void {
  hook.log.info({ event: hook.context.eventName }, "event received");
  hook.report(maintenance("ZooKeeper workload management is not part of this revision"));
}
