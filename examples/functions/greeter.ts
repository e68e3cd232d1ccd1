/**
 * The greeter of Flink Stateful Functions' walkthrough, as embedded
 * functions: `greeter.fns/person` counts a user's visits and asks
 * `greeter.fns/greeter` to greet them; on a first visit it also sends itself
 * a "come back" reminder for later, which a second visit cancels.
 *
 *     npx sluice run examples/functions/greeter.ts
 *
 * prints, for the visits of examples/data/visits.txt (ann, bob, ann, cat,
 * cat, ann):
 *
 *     Hello ann! #1 via greeter.fns/person:ann
 *     Hello again ann, visit 2! #2 via greeter.fns/person:ann
 *     Hello again ann, visit 3! #3 via greeter.fns/person:ann
 *     Hello bob! #1 via greeter.fns/person:bob
 *     Hello cat! #1 via greeter.fns/person:cat
 *     Hello again cat, visit 2! #2 via greeter.fns/person:cat
 *     come back soon, bob
 *
 * A user's greetings come in the order of their visits; users come in
 * address order (all visits arrived in one batch, and a batch is handled
 * address by address). Only bob visited once, so only bob's reminder was
 * not cancelled: it comes 300 ms later.
 *
 * `remote-greeter.ts` runs the same functions written with StateFun's Python
 * SDK (`python/greeter.py`) and prints the same lines. The input is in
 * `visits.ts`.
 */
import { Dataflow } from "sluice";
import { applyFunctions, bind, jsonType, message, types, valueSpec } from "sluice/functions";
import { print, REMINDER_DELAY_MS, visits } from "./visits.js";

/** What the reminder carries, as JSON (python/greeter.py's `Reminder` type). */
const Reminder = jsonType<{ name: string }>("greeter.types/Reminder");

/** A user: counts their visits, has them greeted, and reminds them to come back. */
const person = bind({
  typename: "greeter.fns/person",
  specs: { visits: valueSpec(types.int) },
  fn(ctx, msg) {
    const user = ctx.self.id;
    if (msg.is(Reminder)) {
      ctx.sendEgress("greeter.io/reminders", `come back soon, ${msg.as(Reminder).name}`, types.string);
      return;
    }
    if (!msg.is(types.string)) throw new TypeError(`greeter.fns/person got a message of type ${msg.typedValue.typename}`);
    const visits = (ctx.storage.visits ?? 0) + 1;
    ctx.storage.visits = visits;
    if (visits === 1) {
      // A reminder to this very instance, unless a second visit cancels it first.
      ctx.sendAfter(REMINDER_DELAY_MS, message("greeter.fns/person", user, { name: user }, Reminder), `reminder-${user}`);
    } else {
      ctx.cancelDelayedMessage(`reminder-${user}`);
    }
    ctx.send(message("greeter.fns/greeter", user, visits, types.int));
  },
});

/** Composes the greeting; counts the greetings it sent (forgotten an hour after the last one). */
const greeter = bind({
  typename: "greeter.fns/greeter",
  specs: { sent: valueSpec(types.long, { expireAfterCall: 60 * 60 * 1000 }) },
  fn(ctx, msg) {
    const user = ctx.self.id;
    const visits = msg.as(types.int);
    const sent = (ctx.storage.sent ?? 0) + 1;
    ctx.storage.sent = sent;
    const greeting = visits === 1 ? `Hello ${user}!` : `Hello again ${user}, visit ${visits}!`;
    // The caller: the person's address (undefined for a message from the ingress).
    const caller = ctx.caller!;
    ctx.sendEgress("greeter.io/greetings", `${greeting} #${sent} via ${caller.typename}:${caller.id}`, types.string);
  },
});

export const flow = new Dataflow("greeter");
print(applyFunctions("functions", visits(flow), [person, greeter]));
