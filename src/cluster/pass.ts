/**
 * What one reconcile pass has to say when it ends: the unit's and the application's proposed
 * statuses, whether it waits for something only the workload will end (the hook then observes again
 * shortly), and whether the leader made progress that nobody else will wake it for.
 */
import { type Status, waiting } from "../../lib/juju";
import type { OwnHealth } from "./statuses";

export class Pass {
  readonly statuses: Status[] = [];
  readonly appStatuses: Status[] = [];
  /** Why this pass waits for something no hook will announce; undefined if it does not. */
  transient: string | undefined;
  /** The leader took a step whose follow-up nobody else will wake it for. */
  progressed = false;
  /** Its own server's health as this pass saw it last (recorded for the metrics service). */
  health: OwnHealth | undefined;

  /** Only the operator can end this (a stopped upgrade): the hook ends without waiting for the workload. */
  needsOperator = false;

  report(status: Status): void {
    this.statuses.push(status);
  }

  /** A blocked status only the operator can end: reported, and no transient wait for it. */
  reportForOperator(status: Status): void {
    this.needsOperator = true;
    this.report(status);
  }

  reportApp(status: Status): void {
    this.appStatuses.push(status);
  }

  /** A waiting status that the workload alone will end: the hook observes again shortly. */
  reportTransient(reason: string): void {
    this.waitFor(reason);
    this.report(waiting(reason));
  }

  /** Waits for the workload without a status of its own (the first reason is kept). */
  waitFor(reason: string): void {
    this.transient ??= reason;
  }
}
