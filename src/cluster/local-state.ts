/**
 * What this unit remembers between hooks on its own machine: facts that only change with an event
 * that runs a full reconcile anyway (its address, the installed package, the settled ensemble). A
 * quiet update-status then checks the workload against them instead of re-reading every databag.
 */
import type { Status } from "../../lib/juju";
import type { Machine } from "../ports/machine";
import { CONF_DIR } from "../workload/paths";

const STATE_PATH = `${CONF_DIR}/.charm-state.json`;

export interface SettledEnsemble {
  /** Leadership when it settled: a change means a full reconcile. */
  readonly leader: boolean;
  /** Every unit with its server id and address, all serving as members. */
  readonly members: readonly { readonly name: string; readonly id: number; readonly address: string }[];
  /** The status that full reconcile reported (already set in Juju). */
  readonly status: Status;
}

export interface LocalState {
  /** The `zookeeper` package version, once installed. */
  readonly packageVersion?: string;
  /** The cluster binding's address (Juju runs config-changed when addresses change). */
  readonly address?: string;
  /** The peer relation's id (it never changes while the unit lives). */
  readonly peerRelationId?: number;
  /** Set by a full reconcile that found everything in order; cleared by one that did not. */
  readonly settled?: SettledEnsemble;
}

export function loadLocalState(host: Machine): LocalState {
  try {
    return JSON.parse(host.read(STATE_PATH) ?? "{}") as LocalState;
  } catch {
    return {};
  }
}

export function saveLocalState(host: Machine, state: LocalState): void {
  host.write({ path: STATE_PATH, mode: 0o600, owner: "root", group: "root" }, `${JSON.stringify(state)}\n`);
}
