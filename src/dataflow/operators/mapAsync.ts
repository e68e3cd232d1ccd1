import { BuildError } from "../../errors.js";
import type { Stream } from "../stream.js";
import { defineOperator, builtin } from "../internal/operator.js";
import { coreFlatMapBatch } from "../internal/core.js";

/**
 * Options of {@link mapAsync}.
 *
 * @category Stateless
 */
export interface MapAsyncOptions {
  /** Most calls of `mapper` in flight at once (default 10). */
  concurrency?: number;
}

/**
 * Emit the resolved value of `mapper(x)` for every item, running up to
 * `concurrency` calls at once within a batch. Output order is input order
 * within a batch; the next batch starts after the whole batch resolved.
 *
 * @param stepId - The step's name.
 * @param up - Stream to transform.
 * @param mapper - Async function called once per item.
 * @param options - `concurrency` (default 10).
 * @returns The stream of resolved values.
 * @throws {@link BuildError} when `concurrency` is not a positive integer.
 * @category Stateless
 * @example
 * ```ts
 * flow
 *   .input("in", new TestingSource(["u1", "u2"], 2))
 *   .mapAsync("fetch", async (id) => ({ id, name: await lookUp(id) }), { concurrency: 4 })
 *   .output("out", new TestingSink(out));
 * ```
 */
export function mapAsync<X, Y>(
  stepId: string,
  up: Stream<X>,
  mapper: (x: X) => Promise<Y>,
  options: MapAsyncOptions = {},
): Stream<Y> {
  const concurrency = options.concurrency ?? 10;
  return defineOperator("mapAsync", stepId, { up }, ({ up }, step) => {
    if (!Number.isInteger(concurrency) || concurrency < 1) {
      throw new BuildError(`\`mapAsync\` step '${step.stepId}': concurrency must be a positive integer; got ${concurrency}`);
    }
    const shim = async (xs: X[]): Promise<Y[]> => {
      const out = new Array<Y>(xs.length);
      let next = 0;
      let failed = false;
      const lane = async (): Promise<void> => {
        while (!failed && next < xs.length) {
          const i = next++;
          try {
            out[i] = await mapper(xs[i]);
          } catch (err) {
            // Stop starting calls: the batch, and so the run, has failed.
            failed = true;
            throw err;
          }
        }
      };
      const lanes: Promise<void>[] = [];
      for (let i = Math.min(concurrency, xs.length); i > 0; i--) lanes.push(lane());
      await Promise.all(lanes);
      return out;
    };
    return { down: coreFlatMapBatch("flat_map_batch", up, shim, "mapper") };
  }, builtin).down;
}
