/**
 * Running an embedded function ({@link bind}) on an instance's messages.
 *
 * @module
 * @internal
 */
import { describeType } from "../../errors.js";
import type { BoundFunction, Context, Specs, ValueSpec } from "../bind.js";
import { Message, typedValue, type Address } from "../message.js";
import { checkTypename, type Type } from "../types.js";
import { addressKey, keyAddress, type Envelope, type Expiry, type Handler, type Instance, type Out } from "./instance.js";

/** @internal A spec's expiry in the instance's terms. */
export function specExpiry(spec: ValueSpec<unknown>): Expiry | undefined {
  if (spec.expireAfterWrite !== undefined) return { mode: 1, ms: spec.expireAfterWrite };
  if (spec.expireAfterCall !== undefined) return { mode: 2, ms: spec.expireAfterCall };
  return undefined;
}

function checkMessage(m: unknown, what: string): Message {
  if (!(m instanceof Message)) throw new TypeError(`${what} needs a Message made by message(...); got ${describeType(m)}`);
  return m;
}

/** The context of one call: everything goes to `instance` and `out`, until the call returns. */
class CallContext implements Context<Specs> {
  /** Set once the call returned: a late call (an un-awaited promise) is an error, not a lost message. */
  done = false;

  constructor(
    readonly self: Address,
    readonly caller: Address | undefined,
    readonly storage: Record<string, unknown>,
    private readonly instance: Instance,
    private readonly out: Out[],
  ) {}

  private live(what: string): void {
    if (this.done) {
      throw new Error(`\`ctx.${what}\` of '${addressKey(this.self.typename, this.self.id)}' was called after its function returned (await every promise in the function)`);
    }
  }

  send(message: Message): void {
    this.live("send");
    const m = checkMessage(message, "`ctx.send`");
    this.out.push({ to: addressKey(m.targetAddress.typename, m.targetAddress.id), c: this.instance.key, t: m.typedValue.typename, v: m.typedValue.value });
  }

  sendAfter(delayMs: number, message: Message, cancellationToken?: string): void {
    this.live("sendAfter");
    if (!(typeof delayMs === "number" && delayMs >= 0 && Number.isFinite(delayMs))) {
      throw new TypeError(`\`ctx.sendAfter\` needs a delay in ms (a number >= 0); got ${describeType(delayMs)}`);
    }
    if (cancellationToken !== undefined && typeof cancellationToken !== "string") {
      throw new TypeError(`the cancellation token of \`ctx.sendAfter\` must be a string; got ${describeType(cancellationToken)}`);
    }
    const m = checkMessage(message, "`ctx.sendAfter`");
    this.instance.delay(delayMs, addressKey(m.targetAddress.typename, m.targetAddress.id), m.typedValue, cancellationToken);
  }

  cancelDelayedMessage(token: string): void {
    this.live("cancelDelayedMessage");
    if (typeof token !== "string") throw new TypeError(`\`ctx.cancelDelayedMessage\` needs a string token; got ${describeType(token)}`);
    this.instance.cancel(token);
  }

  sendEgress<T>(egressTypename: string, value: T, type: Type<T>): void {
    this.live("sendEgress");
    checkTypename(egressTypename, "the egress of `ctx.sendEgress`");
    const tv = typedValue(value, type, `\`ctx.sendEgress\` to '${egressTypename}'`);
    this.out.push({ e: egressTypename, t: tv.typename, v: tv.value });
  }
}

/**
 * `ctx.storage` of an instance of `fn`: a property per spec, read from and
 * written to the instance (bytes), deleted with `delete`.
 */
function storageOf(fn: BoundFunction, instance: Instance): Record<string, unknown> {
  const spec = (name: string | symbol): ValueSpec<unknown> => {
    const s = typeof name === "string" && Object.hasOwn(fn.specs, name) ? fn.specs[name] : undefined;
    if (s === undefined) {
      throw new TypeError(`'${fn.typename}' has no state ${JSON.stringify(String(name))}: declare it in the specs of bind (${Object.keys(fn.specs).join(", ") || "none declared"})`);
    }
    return s;
  };
  const read = (name: string): unknown => {
    const s = spec(name);
    const stored = instance.read(name);
    if (stored === undefined) return undefined;
    if (stored.typename !== s.type.typename) {
      throw new TypeError(`state '${name}' of '${instance.key}' holds a '${stored.typename}', but its spec says '${s.type.typename}'`);
    }
    return s.type.deserialize(stored.value);
  };
  return new Proxy({} as Record<string, unknown>, {
    get: (_, name) => (typeof name === "symbol" ? undefined : read(name)),
    set(_, name, value) {
      const s = spec(name);
      if (value === undefined) instance.remove(name as string);
      else instance.write(name as string, typedValue(value, s.type, `state '${String(name)}' of '${fn.typename}'`), specExpiry(s));
      return true;
    },
    deleteProperty(_, name) {
      spec(name);
      instance.remove(name as string);
      return true;
    },
    has: (_, name) => typeof name === "string" && Object.hasOwn(fn.specs, name) && instance.read(name) !== undefined,
    ownKeys: () => Object.keys(fn.specs).filter((name) => instance.read(name) !== undefined),
    getOwnPropertyDescriptor(_, name) {
      if (typeof name !== "string" || !Object.hasOwn(fn.specs, name) || instance.read(name) === undefined) return undefined;
      return { configurable: true, enumerable: true, writable: true, value: read(name) };
    },
  });
}

/** @internal The handler of an embedded function. */
export function embeddedHandler(fn: BoundFunction): Handler {
  const storages = new WeakMap<Instance, Record<string, unknown>>();
  const invoke = (inst: Instance, envelopes: Envelope[], from: number, out: Out[]): void | Promise<void> => {
    let storage = storages.get(inst);
    if (storage === undefined) storages.set(inst, (storage = storageOf(fn, inst)));
    for (let i = from; i < envelopes.length; i++) {
      const env = envelopes[i];
      const ctx = new CallContext(inst.address, env.c === undefined ? undefined : keyAddress(env.c), storage, inst, out);
      const r = fn.fn(ctx, new Message(inst.address, { typename: env.t, value: env.v }));
      if (r !== undefined && typeof (r as Promise<void>).then === "function") {
        // An async function: the rest of the batch waits for it (one message at a time per address).
        return (r as Promise<void>).then(() => {
          ctx.done = true;
          return invoke(inst, envelopes, i + 1, out);
        });
      }
      ctx.done = true;
    }
  };
  return { invoke: (inst, envelopes, out) => invoke(inst, envelopes, 0, out) };
}
