// How sluice/functions' Kafka steps fit the Kafka connector's types:
// KafkaSource's items (or kop.input's oks) go into kafkaIngress as they are,
// a routes table needs bytes values, a router function gets the records'
// own types, and kafkaEgress's output is what KafkaSink takes.
import { describe, expectTypeOf, it } from "vitest";
import { Dataflow, type Stream } from "../../src/index.js";
import { applyFunctions, kafkaEgress, kafkaIngress, message, types, type Message } from "../../src/functions/index.js";
import { jsonCodec, KafkaSink, KafkaSource, kop, type KafkaSinkMessage } from "../../src/connectors/kafka/index.js";

const brokers = ["127.0.0.1:9092"];
const routes = { names: { valueType: "io.statefun.types/string", targets: ["g.fns/person"] } };

describe("kafkaIngress", () => {
  it("takes KafkaSource's items and kop.input's oks with a routes table", () => {
    const flow = new Dataflow("f");
    const records = flow.input("in", new KafkaSource({ brokers, topics: ["names"] }));
    expectTypeOf(kafkaIngress("route", records, routes)).toEqualTypeOf<Stream<Message>>();
    const { oks } = kop.input("in2", flow, { brokers, topics: ["names"] });
    expectTypeOf(kafkaIngress("route2", oks, routes)).toEqualTypeOf<Stream<Message>>();
  });

  it("needs bytes values for a routes table, and gives a router function the records' own types", () => {
    const flow = new Dataflow("f");
    const { oks } = kop.input("in", flow, { brokers, topics: ["names"] });
    const decoded = kop.deserializeValue("json", oks, jsonCodec<{ name: string }>()).oks;
    // @ts-expect-error a routes table passes values on as bytes: they must not be decoded yet
    kafkaIngress("route", decoded, routes);
    kafkaIngress("route2", decoded, (r) => {
      expectTypeOf(r.value).toEqualTypeOf<{ name: string } | null>();
      return r.value === null ? undefined : message("g.fns/person", r.value.name, r.value.name, types.string);
    });
  });
});

describe("kafkaEgress", () => {
  it("makes what KafkaSink takes", () => {
    const flow = new Dataflow("f");
    const ingress = flow.input("in", new KafkaSource({ brokers, topics: ["names"] }));
    const out = kafkaEgress("to_kafka", applyFunctions("fns", kafkaIngress("route", ingress, routes), []).egress("g.io/kafka"));
    expectTypeOf(out).toEqualTypeOf<Stream<KafkaSinkMessage<string, Buffer>>>();
    out.output("out", new KafkaSink({ brokers }));
  });
});
