import type { Stream } from "../stream.js";
import { defineCore } from "../internal/operator.js";

/**
 * Spread items evenly over workers, to parallelise expensive stateless work
 * after a source with few partitions. With one worker it passes items
 * through. Core operator.
 *
 * @param stepId - The step's name.
 * @param up - Stream to spread.
 * @returns The same items, possibly on other workers.
 * @category Stateless
 * @example
 * ```ts
 * flow.input("in", new FileSource("big.txt")).redistribute("spread").map("parse", parse);
 * ```
 */
export function redistribute<X>(stepId: string, up: Stream<X>): Stream<X> {
  return defineCore("redistribute", stepId, { up }, { kind: "redistribute" }, ["down"]).down;
}
