/**
 * A kafkajs partition assigner that gives each member of a consumer group
 * exactly the partitions it asks for.
 *
 * kafkajs has no manual assignment (`assign()` of the Java client). Each
 * `KafkaSource` reader joins a consumer group of its own, announcing the
 * topic-partitions it reads in its member metadata; this assigner, run by the
 * group leader (the reader itself), hands them back. So the partitions of a
 * Sluice source stay pinned to the worker that owns them, whatever Kafka's
 * group protocol does.
 *
 * @module
 * @internal
 */
import { AssignerProtocol, type PartitionAssigner } from "kafkajs";

/** @internal Name of the assignment protocol. */
export const PINNED_PROTOCOL = "SluicePinned";

/** @internal Topic to partition numbers. */
export type Assignment = Record<string, number[]>;

/**
 * @internal An assigner announcing `wanted()` (asked at each join) and giving
 * every member what it announced.
 */
export function pinnedAssigner(wanted: () => Assignment): PartitionAssigner {
  return () => ({
    name: PINNED_PROTOCOL,
    version: 1,
    protocol({ topics }) {
      return {
        name: PINNED_PROTOCOL,
        metadata: AssignerProtocol.MemberMetadata.encode({ version: 1, topics, userData: Buffer.from(JSON.stringify(wanted())) }),
      };
    },
    async assign({ members }) {
      return members.map(({ memberId, memberMetadata }) => {
        const meta = AssignerProtocol.MemberMetadata.decode(memberMetadata);
        const assignment = meta === null ? {} : (JSON.parse(meta.userData.toString("utf8")) as Assignment);
        return {
          memberId,
          memberAssignment: AssignerProtocol.MemberAssignment.encode({ version: 1, assignment, userData: Buffer.alloc(0) }),
        };
      });
    },
  });
}
