/**
 * Names of `KafkaSource` partitions: `"<topic>-<partition>"`, as Kafka's own
 * tools print a topic-partition.
 *
 * @module
 * @internal
 */

/** @internal The Sluice partition name of a topic-partition. */
export function partName(topic: string, partition: number): string {
  return `${topic}-${partition}`;
}

/** @internal The topic-partition of a name made by {@link partName}, or `undefined`. */
export function parsePartName(name: string): { topic: string; partition: number } | undefined {
  const m = /^(.+)-(\d+)$/.exec(name);
  if (m === null) return undefined;
  return { topic: m[1], partition: Number(m[2]) };
}
