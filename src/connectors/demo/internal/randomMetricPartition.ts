/**
 * The partition behind `RandomMetricSource`.
 *
 * @module
 * @internal
 */
import type { RunClock } from "../../../clock.js";
import { StatefulSourcePartition } from "../../../inputs/source.js";
import { StepError, causeText, describeType } from "../../../errors.js";

/**
 * @internal Emits one `[name, nextRandom()]` per `nextBatch` once its
 * instant has come, then schedules the next one `interval` ms after the
 * previous planned instant. The state is the number of values emitted.
 */
export class RandomMetricPartition extends StatefulSourcePartition<readonly [string, number], number> {
  /** When the next value is due, in ms since the epoch. */
  private awakeAt: number;

  /**
   * @param stepId - Full id of the input step, for messages.
   * @param name - Metric name: the key of every item.
   * @param interval - Time between values, in ms.
   * @param count - Values to emit in all.
   * @param nextRandom - Makes each value.
   * @param emitted - Values emitted before (the resume state).
   * @param clock - The run's clock; the first value is due now.
   */
  constructor(
    private readonly stepId: string,
    private readonly name: string,
    private readonly interval: number,
    private readonly count: number,
    private readonly nextRandom: () => number,
    private emitted: number,
    private readonly clock: RunClock,
  ) {
    super();
    this.awakeAt = clock.now();
  }

  /** One value if it is due, `[]` if not yet, `null` after `count` values. */
  nextBatch(): (readonly [string, number])[] | null {
    if (this.emitted >= this.count) return null;
    if (this.clock.now() < this.awakeAt) return [];
    let value: unknown;
    try {
      value = this.nextRandom();
    } catch (err) {
      throw this.failure(err);
    }
    if (typeof value !== "number") {
      throw this.failure(new TypeError(`\`nextRandom\` must return a number; got ${describeType(value)}`));
    }
    this.emitted++;
    this.awakeAt += this.interval;
    return [[this.name, value]];
  }

  /** When the next value is due; at once after the last one, to end promptly. */
  override nextAwake(): Date | undefined {
    return this.emitted >= this.count ? undefined : new Date(this.awakeAt);
  }

  /** How many values were emitted. */
  snapshot(): number {
    return this.emitted;
  }

  private failure(cause: unknown): StepError {
    return new StepError(
      `error calling \`nextRandom\` of partition '${this.name}' in step '${this.stepId}': ${causeText(cause)}`,
      { stepId: this.stepId, partition: this.name, cause },
    );
  }
}
