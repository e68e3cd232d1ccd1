import { BuildError } from "../../errors.js";
import type { RunClock } from "../../clock.js";
import type { KeyedStream } from "../stream.js";
import { StatefulLogic, type LogicResult } from "../stateful/logic.js";
import { statefulWith } from "./stateful.js";

/**
 * Options of {@link collect}.
 *
 * @category Stateful
 */
export interface CollectOptions {
  /** Emit a key's list this long (ms, system time) after its latest value. Default: never. */
  timeout?: number;
  /** Emit a key's list as soon as it holds this many values. Default: no limit. */
  maxSize?: number;
}

interface CollectState<V> {
  readonly values: V[];
  readonly latest: number;
}

class CollectLogic<V> extends StatefulLogic<V, V[], CollectState<V>> {
  private values: V[];
  private latest: number;

  constructor(
    private readonly timeout: number,
    private readonly maxSize: number,
    private readonly clock: RunClock,
    resume: CollectState<V> | undefined,
  ) {
    super();
    this.values = resume ? [...resume.values] : [];
    this.latest = resume?.latest ?? 0;
  }

  onItem(value: V): LogicResult<V[]> {
    this.values.push(value);
    this.latest = this.clock.now();
    return this.values.length >= this.maxSize ? [[this.values], true] : [[], false];
  }

  override onNotify(): LogicResult<V[]> {
    return [[this.values], true];
  }

  override onEof(): LogicResult<V[]> {
    return [[this.values], true];
  }

  override notifyAt(): Date | undefined {
    return Number.isFinite(this.timeout) ? new Date(this.latest + this.timeout) : undefined;
  }

  snapshot(): CollectState<V> {
    return { values: [...this.values], latest: this.latest };
  }
}

/**
 * Gather each key's values into a list, emitted when it reaches `maxSize`,
 * `timeout` ms after the key's latest value (on the run's clock, fires even
 * with no input), or at EOF, whichever comes first. The key then starts a new list.
 *
 * @param stepId - The step's name.
 * @param up - Keyed stream.
 * @param options - `timeout` (ms) and `maxSize`.
 * @returns Keyed stream of lists.
 * @throws {@link BuildError} for a non-positive `timeout` or `maxSize`.
 * @category Stateful
 * @example
 * ```ts
 * keyed.collect("batches", { maxSize: 2, timeout: seconds(5) });
 * // ["a", 1], ["a", 2], ["a", 3] then EOF emit ["a", [1, 2]], ["a", [3]]
 * ```
 */
export function collect<V>(stepId: string, up: KeyedStream<V>, options: CollectOptions = {}): KeyedStream<V[]> {
  const timeout = options.timeout ?? Infinity;
  const maxSize = options.maxSize ?? Infinity;
  if (!(timeout > 0)) throw new BuildError(`\`collect\` step '${stepId}': timeout must be > 0 ms; got ${String(timeout)}`);
  if (!(maxSize >= 1) || (Number.isFinite(maxSize) && !Number.isInteger(maxSize))) {
    throw new BuildError(`\`collect\` step '${stepId}': maxSize must be a positive integer; got ${String(maxSize)}`);
  }
  return statefulWith("collect", stepId, up, (resume: CollectState<V> | undefined, { clock }) => new CollectLogic(timeout, maxSize, clock, resume), "collect");
}
