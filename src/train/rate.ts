// Throughput readouts during an epoch: a rate over a sliding window of wall time, the epoch's
// mean, the elapsed time and an ETA. With worker threads, batch callbacks arrive in bursts (the
// main thread wakes for several finished steps at once), so a rate taken between two callbacks
// was wildly wrong (tens of millions of samples/s). These figures instead count the rows whose
// steps are complete at the moment of reading, against the wall clock.

/** Seconds of wall time the windowed rate looks back over (Keras's bar averages the whole epoch). */
export const RATE_WINDOW_SECONDS = 10;
/**
 * Before this much of an epoch has been timed, rates and the ETA are NaN (shown as '?', as tqdm
 * does): measured here, the first 20–40 ms of an epoch with workers run at 60 % of the epoch's
 * rate (the run command crosses to the workers, caches refill), so a rate over them misleads.
 */
export const MIN_TIMED_SECONDS = 0.5;

export interface RateReadout {
  /**
   * Rows per second over the last RATE_WINDOW_SECONDS (10) of wall time, or since the epoch began
   * if that is shorter; NaN during the epoch's first MIN_TIMED_SECONDS (0.5).
   */
  samplesPerSecond: number;
  /** Rows per second since the epoch began; NaN during its first 0.5 s. */
  epochSamplesPerSecond: number;
  /** Seconds since the epoch began. */
  elapsedSeconds: number;
  /** Seconds until the epoch's last row is done at the windowed rate; NaN during its first 0.5 s. */
  etaSeconds: number;
}

export class RateMeter {
  /** (time in ms, rows complete) pairs inside the window, oldest first. */
  private readonly marks: [number, number][] = [];

  /** `startRows`: rows of the epoch already done at `start` (an interrupted epoch continued). */
  constructor(private readonly totalRows: number, private readonly start: number, private readonly startRows = 0,
              private readonly windowSeconds = RATE_WINDOW_SECONDS) {
    this.marks.push([start, startRows]);
  }

  /** Records that `rowsDone` rows of the epoch are complete at time `now` (ms) and reads the rates. */
  read(now: number, rowsDone: number): RateReadout {
    const windowMs = 1000 * this.windowSeconds;
    // Keep the newest mark at or before the window's start, so the window always spans its length.
    while (this.marks.length > 1 && this.marks[1][0] <= now - windowMs) this.marks.shift();
    const [t0, r0] = this.marks[0];
    this.marks.push([now, rowsDone]);
    const elapsedSeconds = Math.max(1e-6, (now - this.start) / 1000);
    const span = Math.max(1e-6, (now - t0) / 1000);
    if (elapsedSeconds < MIN_TIMED_SECONDS) {
      return { samplesPerSecond: NaN, epochSamplesPerSecond: NaN, elapsedSeconds, etaSeconds: NaN };
    }
    const samplesPerSecond = (rowsDone - r0) / span;
    return {
      samplesPerSecond,
      epochSamplesPerSecond: (rowsDone - this.startRows) / elapsedSeconds,
      elapsedSeconds,
      etaSeconds: samplesPerSecond > 0 ? (this.totalRows - rowsDone) / samplesPerSecond : Infinity,
    };
  }
}
