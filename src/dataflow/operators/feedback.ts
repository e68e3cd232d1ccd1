import { BuildError, describeType } from "../../errors.js";
import type { Dataflow } from "../dataflow.js";
import type { Stream } from "../stream.js";
import { defineCore } from "../internal/operator.js";
import { flowRoot, isDataflow, isStream } from "../internal/scope.js";

/**
 * What {@link feedback} returns: the stream of items fed back, and `from` to
 * say which stream feeds it.
 *
 * @typeParam X - Item type of the loop.
 * @category Stateless
 */
export interface Feedback<X> {
  /** The items sent back with `from`, re-entering the flow here. */
  readonly stream: Stream<X>;
  /**
   * Send `up`'s items back into {@link Feedback.stream}. Call it once, with a
   * stream of the same flow and scope (usually one computed from `stream`,
   * which closes the loop).
   *
   * @param up - The stream to feed back.
   * @throws {@link BuildError} when called twice, or with something else than a stream of this flow.
   */
  from(up: Stream<X>): void;
}

/**
 * Close a loop: returns a stream of the items later sent back with
 * `from(up)`. Core operator; this is how a flow iterates (a value goes round
 * until it is done) and how functions message each other.
 *
 * Items fed back during an epoch are processed in that epoch while it is
 * open; those still in flight when it closes belong to its snapshot, and a
 * run resumed from it processes them first. So a loop never holds an epoch
 * open, and nothing in flight is lost or repeated across a crash. Fed-back
 * items go before new input. The loop ends (EOF for the steps in it) once
 * every input upstream of it has ended and nothing is in flight on it.
 * With several workers, keyed items on the loop reach their key's worker
 * like any other.
 *
 * @param stepId - The step's name.
 * @param flow - The dataflow the loop belongs to.
 * @returns The loop's stream and its `from`.
 * @category Stateless
 * @example
 * ```ts
 * // Collatz: how many steps each number takes to reach 1.
 * const loop = op.feedback<[number, number, number]>("loop", flow);
 * const start = flow.input("in", new TestingSource([6, 7])).map("start", (n): [number, number, number] => [n, n, 0]);
 * const step = op.merge("all", start, loop.stream).map("step", ([n, x, k]): [number, number, number] => [n, x % 2 ? 3 * x + 1 : x / 2, k + 1]);
 * const { trues: done, falses: more } = step.branch("done", ([, x]) => x === 1);
 * loop.from(more);
 * done.map("fmt", ([n, , k]) => `${n}: ${k}`).output("out", new TestingSink(out));
 * // out = ["6: 8", "7: 16"]
 * ```
 */
export function feedback<X>(stepId: string, flow: Dataflow): Feedback<X> {
  if (!isDataflow(flow)) throw new BuildError(`\`feedback\` step '${String(stepId)}' needs a Dataflow; got ${describeType(flow)}`);
  const scope = flowRoot(flow);
  const stream = defineCore("feedback", stepId, flow, { kind: "feedback" }, ["down"]).down as Stream<X>;
  const step = scope.substeps[scope.substeps.length - 1];
  let fed = false;
  return {
    stream,
    from(up: Stream<X>): void {
      if (fed) throw new BuildError(`feedback step '${step.stepId}' is already fed: call \`from\` once`);
      if (!isStream(up)) throw new BuildError(`\`from\` of feedback step '${step.stepId}' needs a Stream; got ${describeType(up)}`);
      if (up._scope !== stream._scope) {
        throw new BuildError(
          `\`from\` of feedback step '${step.stepId}' needs a stream of the same ${up._scope.flow === scope.flow ? "scope" : "dataflow"}; ` +
            `got one from '${up._scope.id}'`,
        );
      }
      step.upPorts.up = [up.streamId];
      fed = true;
    },
  };
}
