/**
 * Time, as a port: the reconcile waits for the workload (a server coming up, an election, a joiner's
 * sync) by observing again after a pause. The real clock sleeps; the state tests' fake clock moves
 * virtual time on at once, so a 60-second wait costs nothing.
 */
export interface Clock {
  now(): number;
  sleep(ms: number): Promise<void>;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
};
