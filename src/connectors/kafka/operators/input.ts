import type { Dataflow } from "../../../dataflow/dataflow.js";
import { builtin, defineOperator } from "../../../dataflow/internal/operator.js";
import { KafkaSource, type KafkaSourceOptions } from "../kafkaSource.js";
import { isKafkaSourceError } from "../messages.js";
import type { KafkaOpOut } from "./kafkaOpOut.js";

/**
 * Options of `kop.input`: those of `KafkaSource` but `raiseOnErrors`.
 *
 * @category Connectors
 */
export type KafkaInputOptions = Omit<KafkaSourceOptions<false>, "raiseOnErrors">;

/**
 * Read Kafka topics into two streams: the messages (`oks`) and an error item
 * for each failure of the consumer (`errs`). A `KafkaSource` with
 * `raiseOnErrors: false` (substep `kafka_input`) split by a `branch`
 * (substep `split_err`); see `KafkaSource` for partitions, offsets and
 * resuming.
 *
 * @param stepId - The step's name.
 * @param flow - The dataflow to add the input to.
 * @param options - Brokers, topics and the other `KafkaSource` options.
 * @returns `{ oks, errs }`.
 * @throws {@link sluice!BuildError | BuildError} for an invalid option.
 * @category Connectors
 * @example
 * ```ts
 * const flow = new Dataflow("clicks");
 * const { oks, errs } = kop.input("in", flow, { brokers: ["127.0.0.1:9092"], topics: ["clicks"] });
 * oks.map("value", (m) => m.value?.toString()).output("out", new StdOutSink());
 * errs.map("why", (e) => e.error.message).output("errors", new StdOutSink());
 * ```
 */
export function input(stepId: string, flow: Dataflow, options: KafkaInputOptions): KafkaOpOut<Buffer | null, Buffer | null> {
  return defineOperator(
    "kafka_input",
    stepId,
    flow,
    () => {
      const items = flow.input("kafka_input", new KafkaSource({ ...options, raiseOnErrors: false }));
      const { trues, falses } = items.branch("split_err", isKafkaSourceError);
      return { oks: falses, errs: trues };
    },
    builtin,
  );
}
