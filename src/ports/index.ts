/**
 * The ports the charm's reconcile depends on (docs: README "How a hook runs"): the unit's machine,
 * the ZooKeeper ensemble and time. `realPorts()` wires the real adapters; tests pass fakes.
 */
import { Host } from "../workload/host";
import { type Clock, systemClock } from "./clock";
import { type Ensemble, zookeeperEnsemble } from "./ensemble";
import type { Machine } from "./machine";

export type { Clock } from "./clock";
export type { Admin, Ensemble, ServerProbe, ZnodeSession } from "./ensemble";
export type { Machine } from "./machine";

export interface Ports {
  readonly machine: Machine;
  readonly ensemble: Ensemble;
  readonly clock: Clock;
}

export function realPorts(): Ports {
  return { machine: new Host(), ensemble: zookeeperEnsemble, clock: systemClock };
}
