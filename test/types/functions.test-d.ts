// How sluice/functions carries types: state specs type ctx.storage, a Type
// types what `as` and `egress(typename, type)` give back.
import { describe, expectTypeOf, it } from "vitest";
import { Dataflow, type Stream } from "../../src/index.js";
import { TestingSource } from "../../src/testing/index.js";
import { applyFunctions, bind, jsonType, message, types, valueSpec, type Address, type EgressMessage, type Message, type Type } from "../../src/functions/index.js";

interface Cart {
  items: string[];
}

describe("sluice/functions types", () => {
  it("types ctx.storage from the specs: each value or undefined; unknown names do not compile", () => {
    bind({
      typename: "shop/cart",
      specs: { cart: valueSpec(jsonType<Cart>("shop/Cart")), visits: valueSpec(types.int), vip: valueSpec(types.bool) },
      fn(ctx, msg) {
        expectTypeOf(ctx.storage.cart).toEqualTypeOf<Cart | undefined>();
        expectTypeOf(ctx.storage.visits).toEqualTypeOf<number | undefined>();
        expectTypeOf(ctx.storage.vip).toEqualTypeOf<boolean | undefined>();
        expectTypeOf(ctx.self).toEqualTypeOf<Address>();
        expectTypeOf(ctx.caller).toEqualTypeOf<Address | undefined>();
        expectTypeOf(msg).toEqualTypeOf<Message>();
        ctx.storage.visits = 3;
        // @ts-expect-error a string is not an int state
        ctx.storage.visits = "3";
        // @ts-expect-error no such state
        void ctx.storage.nope;
        delete ctx.storage.cart;
      },
    });
  });

  it("types message values and what `as` reads back", () => {
    const m = message("a/b", "id", { items: [] }, jsonType<Cart>("shop/Cart"));
    expectTypeOf(m.as(jsonType<Cart>("shop/Cart"))).toEqualTypeOf<Cart>();
    expectTypeOf(m.as(types.string)).toEqualTypeOf<string>();
    // @ts-expect-error the value must be what the type writes
    message("a/b", "id", 5, types.string);
    expectTypeOf(types.long).toEqualTypeOf<Type<number>>();
  });

  it("types egress streams: EgressMessage, or the given type's values", () => {
    const flow = new Dataflow("f");
    const ingress = flow.input("in", new TestingSource<Message>([]));
    const fns = applyFunctions("fns", ingress, [bind({ typename: "a/b", fn: () => {} })]);
    expectTypeOf(fns.egress("x/y")).toEqualTypeOf<Stream<EgressMessage>>();
    expectTypeOf(fns.egress("x/y", jsonType<Cart>("shop/Cart"))).toEqualTypeOf<Stream<Cart>>();
    // @ts-expect-error the ingress carries Messages
    applyFunctions("fns2", flow.input("in2", new TestingSource<string>([])), []);
  });

  it("lets fn be async", () => {
    bind({ typename: "a/async", fn: async () => {} });
    // @ts-expect-error fn returns void or a Promise of it
    bind({ typename: "a/bad", fn: () => 5 });
  });
});
