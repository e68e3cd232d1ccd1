/**
 * `RandomMetricSource`: a named metric with random values, for demos.
 *
 * @module
 */
import { systemClock, type RunContext } from "../../clock.js";
import { FixedPartitionedSource, type StatefulSourcePartition } from "../../inputs/source.js";
import { BuildError, ConnectorError } from "../../errors.js";
import { RandomMetricPartition } from "./internal/randomMetricPartition.js";

/**
 * Options of {@link RandomMetricSource}.
 *
 * @category Connectors
 * @example
 * ```ts
 * // A value from 0 to 100 every second, 60 of them.
 * const options: RandomMetricSourceOptions = { interval: seconds(1), count: 60, nextRandom: () => Math.random() * 100 };
 * new RandomMetricSource("load", options);
 * ```
 */
export interface RandomMetricSourceOptions {
  /** Time between two values, in ms (finite, `>= 0`). Default `700`, as in Bytewax. */
  interval?: number;
  /**
   * How many values to emit in all, across resumes (a non-negative integer
   * or `Infinity`). The input ends after the last one. Default `Infinity`.
   */
  count?: number;
  /** Makes each value. Default: a random integer from 0 to 9, `Math.floor(Math.random() * 10)`. */
  nextRandom?: () => number;
}

/**
 * Emits `[name, value]` pairs at a steady pace: a stand-in for a live metric
 * feed in demos, tutorials and load tests (Bytewax's `RandomMetricSource`).
 *
 * One partition, named `name`, so with several workers exactly one emits.
 * The first value comes at once, then one every `interval` ms on a fixed
 * schedule (`start + k * interval`, no drift; after a stall the missed
 * values come back to back). The input ends after `count` values.
 *
 * Resumable: the resume state is how many values were emitted. A resumed
 * run emits the rest of the `count` values, starting at once. The values
 * themselves are random, so they are not replayed identically unless
 * `nextRandom` is deterministic.
 *
 * Items are `readonly [string, number]`, a keyed stream: stateful operators
 * and windows apply directly.
 *
 * @category Connectors
 * @example
 * ```ts
 * const flow = new Dataflow("metrics");
 * flow
 *   .input("cpu", new RandomMetricSource("cpu", { interval: seconds(0.1), count: 3, nextRandom: () => 42 }))
 *   .output("out", new StdOutSink());
 * await runMain(flow);
 * // prints (one line every 100 ms):
 * // [ 'cpu', 42 ]
 * // [ 'cpu', 42 ]
 * // [ 'cpu', 42 ]
 * ```
 */
export class RandomMetricSource extends FixedPartitionedSource<readonly [string, number], number> {
  /** Time between two values, in ms. */
  readonly interval: number;
  /** How many values to emit in all. */
  readonly count: number;
  private readonly nextRandom: () => number;

  /**
   * @param name - The metric's name: the key of every item and the name of the only partition.
   * @param options - Pace, count and value generator; see {@link RandomMetricSourceOptions}.
   * @throws {@link sluice!BuildError | BuildError} if `name` is not a non-empty string,
   *   `interval` is negative or not finite, `count` is not a non-negative integer or
   *   `Infinity`, or `nextRandom` is not a function.
   */
  constructor(
    readonly name: string,
    options: RandomMetricSourceOptions = {},
  ) {
    super();
    if (typeof name !== "string" || name.length === 0) {
      throw new BuildError(`RandomMetricSource name must be a non-empty string; got ${JSON.stringify(name)}`);
    }
    const { interval = 700, count = Infinity, nextRandom = defaultNextRandom } = options;
    if (typeof interval !== "number" || !Number.isFinite(interval) || interval < 0) {
      throw new BuildError(`RandomMetricSource interval must be a finite number of ms >= 0; got ${String(interval)}`);
    }
    if (typeof count !== "number" || !(count === Infinity || (Number.isInteger(count) && count >= 0))) {
      throw new BuildError(`RandomMetricSource count must be a non-negative integer or Infinity; got ${String(count)}`);
    }
    if (typeof nextRandom !== "function") {
      throw new BuildError("RandomMetricSource nextRandom must be a function");
    }
    this.interval = interval;
    this.count = count;
    this.nextRandom = nextRandom;
  }

  /**
   * The single partition: the metric's name.
   *
   * @returns `[name]`.
   */
  listParts(): string[] {
    return [this.name];
  }

  /**
   * Build the partition, continuing after `resumeState` values.
   *
   * @param stepId - Full id of the input step, for error messages.
   * @param forPart - The metric's name (the only partition).
   * @param resumeState - How many values were emitted before, or `undefined` for none.
   * @param context - The run's context: values are due on its clock.
   * @returns A partition emitting the remaining values.
   * @throws {@link sluice!ConnectorError | ConnectorError} if `forPart` is not the
   *   metric's name or `resumeState` is not a non-negative integer.
   */
  buildPart(
    stepId: string,
    forPart: string,
    resumeState: number | undefined,
    context?: RunContext,
  ): StatefulSourcePartition<readonly [string, number], number> {
    if (forPart !== this.name) {
      throw new ConnectorError(`RandomMetricSource '${this.name}' in step '${stepId}' has no partition '${forPart}'`);
    }
    const emitted = resumeState ?? 0;
    if (typeof emitted !== "number" || !Number.isInteger(emitted) || emitted < 0) {
      throw new ConnectorError(
        `RandomMetricSource '${this.name}' in step '${stepId}' cannot resume from ${String(resumeState)}: ` +
          "the state must be a non-negative integer count",
      );
    }
    return new RandomMetricPartition(stepId, this.name, this.interval, this.count, this.nextRandom, emitted, context?.clock ?? systemClock);
  }
}

/** @internal Bytewax's default: `random.randrange(0, 10)`. */
function defaultNextRandom(): number {
  return Math.floor(Math.random() * 10);
}
