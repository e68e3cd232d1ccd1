/**
 * StateFun's wire format (src/functions/internal/wire.ts): round trips, and
 * golden bytes from StateFun's own Python SDK, which our encoder must
 * reproduce byte for byte and decode back.
 *
 * How the goldens were made (once; the SDK is not needed to run this test):
 * apache-flink-statefun 3.3.0 with protobuf 3.20.3 (pure-Python encoder),
 * each message built with the SDK's generated classes and printed as
 * `msg.SerializeToString().hex()`:
 *
 * ```python
 * from statefun.request_reply_pb2 import ToFunction, FromFunction, Address, TypedValue
 * from statefun.types_pb2 import *
 * from statefun.kafka_egress_pb2 import KafkaProducerRecord
 * def tv(t, v): return TypedValue(typename=t, has_value=True, value=v)
 * tf = ToFunction(); b = tf.invocation
 * b.target.CopyFrom(Address(namespace="com.example", type="greeter", id="user-1"))
 * b.state.add(state_name="seen", state_value=tv("io.statefun.types/int", IntWrapper(value=3).SerializeToString()))
 * b.state.add(state_name="name", state_value=TypedValue(typename="io.statefun.types/string", has_value=False))
 * b.invocations.add(caller=Address(namespace="com.example", type="caller", id="c-1"),
 *                   argument=tv("io.statefun.types/string", StringWrapper(value="hello").SerializeToString()))
 * b.invocations.add(caller=Address(namespace="com.example", type="caller", id="c-2"),
 *                   argument=tv("io.statefun.types/long", LongWrapper(value=-5).SerializeToString()))
 * ff = FromFunction(); r = ff.invocation_result
 * r.state_mutations.add(mutation_type=FromFunction.PersistedValueMutation.MODIFY, state_name="seen",
 *                       state_value=tv("io.statefun.types/int", IntWrapper(value=4).SerializeToString()))
 * r.outgoing_messages.add(target=Address(namespace="com.example", type="other", id="o-1"),
 *                         argument=tv("io.statefun.types/bool", BooleanWrapper(value=True).SerializeToString()))
 * r.delayed_invocations.add(is_cancellation_request=True, cancellation_token="tok-1")
 * r.outgoing_egresses.add(egress_namespace="com.example", egress_type="out",
 *     argument=tv("type.googleapis.com/io.statefun.sdk.egress.KafkaProducerRecord",
 *                 KafkaProducerRecord(topic="t", key="k", value_bytes=b"v").SerializeToString()))
 * fd = FromFunction()
 * fd.invocation_result.delayed_invocations.add(delay_in_ms=60000,
 *     target=Address(namespace="com.example", type="timer", id="t-1"),
 *     argument=tv("io.statefun.types/double", DoubleWrapper(value=2.5).SerializeToString()), cancellation_token="tok-2")
 * fi = FromFunction(); c = fi.incomplete_invocation_context
 * c.missing_values.add(state_name="seen", type_typename="io.statefun.types/int",
 *     expiration_spec=FromFunction.ExpirationSpec(mode=FromFunction.ExpirationSpec.AFTER_WRITE, expire_after_millis=86400000))
 * c.missing_values.add(state_name="last", type_typename="io.statefun.types/string",
 *     expiration_spec=FromFunction.ExpirationSpec(mode=FromFunction.ExpirationSpec.AFTER_INVOKE, expire_after_millis=1000))
 * # wrappers: StringWrapper(value="héllo, 世界"), IntWrapper(value=-42), LongWrapper(value=-9876543210), ...
 * # exactly the values next to each constant below.
 * ```
 */
import { create, fromBinary, toBinary, type MessageInitShape } from "@bufbuild/protobuf";
import {
  BooleanWrapperSchema,
  DoubleWrapperSchema,
  FloatWrapperSchema,
  IntWrapperSchema,
  LongWrapperSchema,
  StringWrapperSchema,
} from "../../src/functions/internal/gen/types_pb.js";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  FromFunction_ExpirationSpec_ExpireMode as ExpireMode,
  FromFunction_PersistedValueMutation_MutationType as MutationType,
  FromFunctionSchema,
  ToFunctionSchema,
  type TypedValueSchema,
} from "../../src/functions/internal/gen/request-reply_pb.js";
import {
  decodeBool,
  decodeDouble,
  decodeFloat,
  decodeFromFunction,
  decodeInt,
  decodeKafkaProducerRecord,
  decodeLong,
  decodeString,
  decodeToFunction,
  encodeBool,
  encodeDouble,
  encodeFloat,
  encodeFromFunction,
  encodeInt,
  encodeKafkaProducerRecord,
  encodeLong,
  encodeString,
  encodeToFunction,
} from "../../src/functions/internal/wire.js";

// ---- Goldens: hex of the Python SDK's SerializeToString(), see above. ----

const TO_FUNCTION =
  "a206f8010a1e0a0b636f6d2e6578616d706c651207677265657465721a06757365722d3112280a047365656e12200a15696f2e737461746566756e2e74797065732f696e7410011a050d0300000012220a046e616d65121a0a18696f2e737461746566756e2e74797065732f737472696e671a430a1a0a0b636f6d2e6578616d706c65120663616c6c65721a03632d3112250a18696f2e737461746566756e2e74797065732f737472696e6710011a070a0568656c6c6f1a430a1a0a0b636f6d2e6578616d706c65120663616c6c65721a03632d3212250a16696f2e737461746566756e2e74797065732f6c6f6e6710011a0909fbffffffffffffff";
const FROM_FUNCTION_RESULT =
  "a206d7010a2a080112047365656e1a200a15696f2e737461746566756e2e74797065732f696e7410011a050d04000000123b0a190a0b636f6d2e6578616d706c6512056f746865721a036f2d31121e0a16696f2e737461746566756e2e74797065732f626f6f6c10011a0208011a0950015a05746f6b2d3122610a0b636f6d2e6578616d706c6512036f75741a4d0a3e747970652e676f6f676c65617069732e636f6d2f696f2e737461746566756e2e73646b2e6567726573732e4b61666b6150726f64756365725265636f726410011a090a016b1201761a0174";
const FROM_FUNCTION_DELAYED =
  "a206511a4f08e0d40312190a0b636f6d2e6578616d706c65120574696d65721a03742d311a270a18696f2e737461746566756e2e74797065732f646f75626c6510011a090900000000000004405a05746f6b2d32";
const FROM_FUNCTION_INCOMPLETE =
  "aa06510a260a047365656e120708011080b899291a15696f2e737461746566756e2e74797065732f696e740a270a046c6173741205080210e8071a18696f2e737461746566756e2e74797065732f737472696e67";

/** [value, hex of the wrapper message] */
const STRINGS: [string, string][] = [
  ["héllo, 世界", "0a0e68c3a96c6c6f2c20e4b896e7958c"],
  ["", ""],
];
const INTS: [number, string][] = [
  [123456, "0d40e20100"],
  [-42, "0dd6ffffff"],
  [-(2 ** 31), "0d00000080"],
];
const LONGS: [number, string][] = [
  [Number.MAX_SAFE_INTEGER, "09ffffffffffff1f00"],
  [-9876543210, "0916e94fb3fdffffff"],
];
/** LongWrapper(value=2**53): not a safe integer. */
const LONG_UNSAFE = "090000000000002000";
const FLOAT: [number, string] = [1.5, "0d0000c03f"];
const DOUBLE: [number, string] = [-0.1, "099a9999999999b9bf"];
const BOOLS: [boolean, string][] = [
  [true, "0801"],
  [false, ""],
];
/** KafkaProducerRecord(topic="greetings", key="user-1", value_bytes=bytes([0, 1, 2, 255])) */
const KAFKA = "0a06757365722d311204000102ff1a096772656574696e6773";
/** KafkaProducerRecord(topic="greetings", value_bytes=b"x") */
const KAFKA_NO_KEY = "1201781a096772656574696e6773";

const hex = (b: Uint8Array): string => Buffer.from(b).toString("hex");
const bytes = (h: string): Uint8Array => new Uint8Array(Buffer.from(h, "hex"));
const utf8 = (s: string): Uint8Array => new TextEncoder().encode(s);
const typed = (typename: string, value: Uint8Array): MessageInitShape<typeof TypedValueSchema> => ({ typename, hasValue: true, value });

// ---- The messages the goldens hold, built with our encoders. ----

const toFunction: MessageInitShape<typeof ToFunctionSchema> = {
  request: {
    case: "invocation",
    value: {
      target: { namespace: "com.example", type: "greeter", id: "user-1" },
      state: [
        { stateName: "seen", stateValue: typed("io.statefun.types/int", encodeInt(3)) },
        { stateName: "name", stateValue: { typename: "io.statefun.types/string", hasValue: false } },
      ],
      invocations: [
        { caller: { namespace: "com.example", type: "caller", id: "c-1" }, argument: typed("io.statefun.types/string", encodeString("hello")) },
        { caller: { namespace: "com.example", type: "caller", id: "c-2" }, argument: typed("io.statefun.types/long", encodeLong(-5)) },
      ],
    },
  },
};

const fromFunctionResult: MessageInitShape<typeof FromFunctionSchema> = {
  response: {
    case: "invocationResult",
    value: {
      stateMutations: [{ mutationType: MutationType.MODIFY, stateName: "seen", stateValue: typed("io.statefun.types/int", encodeInt(4)) }],
      outgoingMessages: [{ target: { namespace: "com.example", type: "other", id: "o-1" }, argument: typed("io.statefun.types/bool", encodeBool(true)) }],
      delayedInvocations: [{ isCancellationRequest: true, cancellationToken: "tok-1" }],
      outgoingEgresses: [
        {
          egressNamespace: "com.example",
          egressType: "out",
          argument: typed(
            "type.googleapis.com/io.statefun.sdk.egress.KafkaProducerRecord",
            encodeKafkaProducerRecord({ topic: "t", key: "k", value: utf8("v") }),
          ),
        },
      ],
    },
  },
};

const fromFunctionDelayed: MessageInitShape<typeof FromFunctionSchema> = {
  response: {
    case: "invocationResult",
    value: {
      delayedInvocations: [
        {
          delayInMs: 60_000n,
          target: { namespace: "com.example", type: "timer", id: "t-1" },
          argument: typed("io.statefun.types/double", encodeDouble(2.5)),
          cancellationToken: "tok-2",
        },
      ],
    },
  },
};

const fromFunctionIncomplete: MessageInitShape<typeof FromFunctionSchema> = {
  response: {
    case: "incompleteInvocationContext",
    value: {
      missingValues: [
        { stateName: "seen", typeTypename: "io.statefun.types/int", expirationSpec: { mode: ExpireMode.AFTER_WRITE, expireAfterMillis: 86_400_000n } },
        { stateName: "last", typeTypename: "io.statefun.types/string", expirationSpec: { mode: ExpireMode.AFTER_INVOKE, expireAfterMillis: 1000n } },
      ],
    },
  },
};

describe("request-reply messages against the Python SDK's bytes", () => {
  it("encodes a ToFunction batch (target, two states, two invocations with callers) byte for byte, and decodes it back", () => {
    expect(hex(encodeToFunction(toFunction))).toBe(TO_FUNCTION);
    const decoded = decodeToFunction(bytes(TO_FUNCTION));
    expect(decoded).toEqual(create(ToFunctionSchema, toFunction));
    expect(decoded.request.case).toBe("invocation");
    if (decoded.request.case !== "invocation") return;
    expect(decoded.request.value.state.map((s) => s.stateName)).toEqual(["seen", "name"]);
    expect(decodeInt(decoded.request.value.state[0].stateValue!.value)).toBe(3);
    expect(decodeLong(decoded.request.value.invocations[1].argument!.value)).toBe(-5);
  });

  it("encodes an InvocationResponse with a mutation, a message, a delayed cancellation and an egress, and decodes it back", () => {
    expect(hex(encodeFromFunction(fromFunctionResult))).toBe(FROM_FUNCTION_RESULT);
    const decoded = decodeFromFunction(bytes(FROM_FUNCTION_RESULT));
    expect(decoded).toEqual(create(FromFunctionSchema, fromFunctionResult));
    if (decoded.response.case !== "invocationResult") throw new Error(`got ${decoded.response.case}`);
    const [cancel] = decoded.response.value.delayedInvocations;
    expect([cancel.isCancellationRequest, cancel.cancellationToken, cancel.delayInMs]).toEqual([true, "tok-1", 0n]);
    const egress = decodeKafkaProducerRecord(decoded.response.value.outgoingEgresses[0].argument!.value);
    expect(egress).toEqual({ topic: "t", key: "k", value: utf8("v") });
  });

  it("encodes a delayed invocation with delay, target, argument and token (fields 10/11 after 1-3) byte for byte", () => {
    expect(hex(encodeFromFunction(fromFunctionDelayed))).toBe(FROM_FUNCTION_DELAYED);
    expect(decodeFromFunction(bytes(FROM_FUNCTION_DELAYED))).toEqual(create(FromFunctionSchema, fromFunctionDelayed));
  });

  it("encodes an IncompleteInvocationContext with two specs and expiration modes byte for byte, and decodes it back", () => {
    expect(hex(encodeFromFunction(fromFunctionIncomplete))).toBe(FROM_FUNCTION_INCOMPLETE);
    const decoded = decodeFromFunction(bytes(FROM_FUNCTION_INCOMPLETE));
    expect(decoded).toEqual(create(FromFunctionSchema, fromFunctionIncomplete));
    if (decoded.response.case !== "incompleteInvocationContext") throw new Error(`got ${decoded.response.case}`);
    expect(decoded.response.value.missingValues.map((v) => [v.expirationSpec?.mode, v.expirationSpec?.expireAfterMillis])).toEqual([
      [ExpireMode.AFTER_WRITE, 86_400_000n],
      [ExpireMode.AFTER_INVOKE, 1000n],
    ]);
  });

  it("decodes empty bytes as an empty message, and names the message type on malformed bytes", () => {
    expect(decodeFromFunction(new Uint8Array()).response.case).toBeUndefined();
    expect(() => decodeFromFunction(bytes("0a0501"))).toThrow("cannot decode io.statefun.sdk.reqreply.FromFunction from 3 bytes: premature EOF");
    expect(() => decodeString(bytes("0a02fffe"))).toThrow(/cannot decode io\.statefun\.sdk\.types\.StringWrapper from 4 bytes/);
  });
});

describe("wrapper types against the Python SDK's bytes", () => {
  it("string", () => {
    for (const [v, h] of STRINGS) {
      expect(hex(encodeString(v))).toBe(h);
      expect(decodeString(bytes(h))).toBe(v);
    }
  });

  it("int (sfixed32), negative and minimum included", () => {
    for (const [v, h] of INTS) {
      expect(hex(encodeInt(v))).toBe(h);
      expect(decodeInt(bytes(h))).toBe(v);
    }
  });

  it("long (sfixed64) as a JS number, negative and largest safe integer included", () => {
    for (const [v, h] of LONGS) {
      expect(hex(encodeLong(v))).toBe(h);
      expect(decodeLong(bytes(h))).toBe(v);
    }
  });

  it("float, double and bool", () => {
    expect(hex(encodeFloat(FLOAT[0]))).toBe(FLOAT[1]);
    expect(decodeFloat(bytes(FLOAT[1]))).toBe(FLOAT[0]);
    expect(hex(encodeDouble(DOUBLE[0]))).toBe(DOUBLE[1]);
    expect(decodeDouble(bytes(DOUBLE[1]))).toBe(DOUBLE[0]);
    for (const [v, h] of BOOLS) {
      expect(hex(encodeBool(v))).toBe(h);
      expect(decodeBool(bytes(h))).toBe(v);
    }
  });

  it("reads empty bytes as each type's zero", () => {
    const empty = new Uint8Array();
    expect([decodeString(empty), decodeInt(empty), decodeLong(empty), decodeFloat(empty), decodeDouble(empty), decodeBool(empty)]).toEqual([
      "", 0, 0, 0, 0, false,
    ]);
  });

  it("Kafka producer record, with and without a key", () => {
    const record = { topic: "greetings", key: "user-1", value: new Uint8Array([0, 1, 2, 255]) };
    expect(hex(encodeKafkaProducerRecord(record))).toBe(KAFKA);
    expect(decodeKafkaProducerRecord(bytes(KAFKA))).toEqual(record);
    expect(hex(encodeKafkaProducerRecord({ topic: "greetings", value: utf8("x") }))).toBe(KAFKA_NO_KEY);
    expect(decodeKafkaProducerRecord(bytes(KAFKA_NO_KEY))).toEqual({ topic: "greetings", value: utf8("x") });
    expect(hex(encodeKafkaProducerRecord({ topic: "greetings", key: "", value: utf8("x") }))).toBe(KAFKA_NO_KEY);
  });
});

describe("round trips", () => {
  it("every string, int, safe long, float32, double and bool comes back as it went", () => {
    fc.assert(fc.property(fc.string({ unit: "binary" }), (s) => decodeString(encodeString(s)) === s));
    fc.assert(fc.property(fc.integer(), (n) => decodeInt(encodeInt(n)) === n));
    fc.assert(fc.property(fc.maxSafeInteger(), (n) => decodeLong(encodeLong(n)) === n));
    fc.assert(fc.property(fc.float(), (x) => Object.is(decodeFloat(encodeFloat(x)), x)));
    fc.assert(fc.property(fc.double(), (x) => Object.is(decodeDouble(encodeDouble(x)), x)));
    fc.assert(fc.property(fc.boolean(), (v) => decodeBool(encodeBool(v)) === v));
  });

  it("writes the wrappers by hand byte for byte as the protobuf library does, and reads what it writes", () => {
    const same = (ours: Uint8Array, theirs: Uint8Array): boolean => hex(ours) === hex(theirs);
    fc.assert(fc.property(fc.string({ unit: "grapheme", maxLength: 300 }), (s) => same(encodeString(s), toBinary(StringWrapperSchema, create(StringWrapperSchema, { value: s }))) && decodeString(toBinary(StringWrapperSchema, create(StringWrapperSchema, { value: s }))) === s));
    fc.assert(fc.property(fc.integer(), (n) => same(encodeInt(n), toBinary(IntWrapperSchema, create(IntWrapperSchema, { value: n })))));
    fc.assert(fc.property(fc.maxSafeInteger(), (n) => same(encodeLong(n), toBinary(LongWrapperSchema, create(LongWrapperSchema, { value: BigInt(n) })))));
    fc.assert(fc.property(fc.float(), (x) => same(encodeFloat(x), toBinary(FloatWrapperSchema, create(FloatWrapperSchema, { value: x })))));
    fc.assert(fc.property(fc.double(), (x) => same(encodeDouble(x), toBinary(DoubleWrapperSchema, create(DoubleWrapperSchema, { value: x })))));
    fc.assert(fc.property(fc.boolean(), (v) => same(encodeBool(v), toBinary(BooleanWrapperSchema, create(BooleanWrapperSchema, { value: v })))));
    // A long string: a length of three varint bytes.
    const long = "x".repeat(70_000);
    expect(hex(encodeString(long))).toBe(hex(toBinary(StringWrapperSchema, create(StringWrapperSchema, { value: long }))));
  });

  it("reads bytes that are not the one canonical field through the library (unknown fields, a repeated field)", () => {
    // Field 1 twice: the last wins. Then an unknown field 2 after the value.
    expect(decodeInt(bytes("0d010000000d02000000"))).toBe(2);
    expect(decodeInt(bytes("0d0700000010 01".replace(" ", "")))).toBe(7);
    expect(decodeLong(bytes("0901000000000000001001"))).toBe(1);
    expect(decodeBool(bytes("0801 1001".replace(" ", "")))).toBe(true);
    expect(decodeString(bytes("0a01611001"))).toBe("a");
    expect(fromBinary(IntWrapperSchema, bytes("0d010000000d02000000")).value).toBe(2);
  });

  it("rounds a float to float32 and keeps -0 (which the Python SDK's encoder drops)", () => {
    expect(decodeFloat(encodeFloat(0.1))).toBe(Math.fround(0.1));
    expect(hex(encodeFloat(-0))).toBe("0d00000080");
    expect(Object.is(decodeFloat(encodeFloat(-0)), -0)).toBe(true);
  });

  it("keeps unknown fields of a newer protocol through decode and encode", () => {
    const withUnknown = FROM_FUNCTION_INCOMPLETE + "f8060f"; // field 111, varint 15
    expect(hex(encodeFromFunction(decodeFromFunction(bytes(withUnknown))))).toBe(withUnknown);
  });
});

describe("range errors name the value", () => {
  it("long: a number that is not a safe integer, either way", () => {
    expect(() => encodeLong(2 ** 53)).toThrow(RangeError);
    expect(() => encodeLong(2 ** 53)).toThrow("io.statefun.types/long value 9007199254740992 is not a safe integer");
    expect(() => encodeLong(1.5)).toThrow(/value 1\.5 is not a safe integer/);
    expect(() => decodeLong(bytes(LONG_UNSAFE))).toThrow(RangeError);
    expect(() => decodeLong(bytes(LONG_UNSAFE))).toThrow("io.statefun.types/long value 9007199254740992 is not a safe integer");
  });

  it("int: outside 32 bits or not an integer; float: finite but beyond float32", () => {
    expect(() => encodeInt(2 ** 31)).toThrow(new RangeError("io.statefun.types/int value 2147483648 is not a 32-bit signed integer"));
    expect(() => encodeInt(0.5)).toThrow(RangeError);
    expect(() => encodeFloat(1e39)).toThrow(/io\.statefun\.types\/float value 1e\+39 is beyond the float32 range/);
    expect(decodeFloat(encodeFloat(Infinity))).toBe(Infinity);
  });
});
