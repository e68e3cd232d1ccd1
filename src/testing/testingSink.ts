/**
 * {@link TestingSink}: collect a flow's output into an array.
 *
 * @module
 */
import { DynamicSink, StatelessSinkPartition } from "../outputs/sink.js";

/**
 * A sink that appends every item it receives to an array you own, for tests.
 * Every worker's partition appends to the same array, in the order its
 * batches are written (with several workers, items of different workers
 * interleave). Nothing is cleared between runs: a resumed run appends to
 * what the first run wrote.
 *
 * @typeParam X - Item type.
 * @category Testing
 * @example
 * ```ts
 * const out: string[] = [];
 * const flow = new Dataflow("t");
 * flow.input("in", new TestingSource(["a", "b"])).output("out", new TestingSink(out));
 * await runMain(flow);
 * out; // ["a", "b"]
 * ```
 */
export class TestingSink<X> extends DynamicSink<X> {
  /** @param out - The array to append items to. */
  constructor(private readonly out: X[]) {
    super();
  }

  /**
   * Build a partition that appends to the array.
   *
   * @param _stepId - Full id of the output step.
   * @param _workerIndex - This worker's index.
   * @param _workerCount - How many workers run the flow.
   * @returns The partition.
   */
  build(_stepId: string, _workerIndex: number, _workerCount: number): StatelessSinkPartition<X> {
    return new TestingSinkPartition(this.out);
  }
}

/** @internal A partition of {@link TestingSink}. */
class TestingSinkPartition<X> extends StatelessSinkPartition<X> {
  constructor(private readonly out: X[]) {
    super();
  }

  writeBatch(items: X[]): void {
    for (let i = 0; i < items.length; i++) this.out.push(items[i]);
  }
}
