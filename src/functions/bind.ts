/**
 * Embedded functions: `bind`, their state specs and their context.
 *
 * @module
 */
import { BuildError, describeType } from "../errors.js";
import { checkTypename, type Type } from "./types.js";
import type { Address, Message } from "./message.js";

/**
 * Options of {@link valueSpec}: when a stored value expires (StateFun's
 * `expire_after_write` / `expire_after_call`), in ms of the run's clock.
 *
 * @category Functions
 */
export interface ValueSpecOptions {
  /** The value is gone this long after it was last written. */
  expireAfterWrite?: number;
  /** The value is gone this long after its function instance was last called (or the value written). */
  expireAfterCall?: number;
}

/**
 * One named value a function keeps per address: its type and expiry.
 *
 * @typeParam T - The value's type.
 * @category Functions
 */
export interface ValueSpec<T> {
  /** How the value is stored. */
  readonly type: Type<T>;
  /** Expiry after a write, in ms (absent: never). */
  readonly expireAfterWrite?: number;
  /** Expiry after a call, in ms (absent: never). */
  readonly expireAfterCall?: number;
}

/**
 * A value a function keeps per address, of `type`; it may expire a while
 * after it was written, or after the function instance was last called. An
 * expired value reads as `undefined`; expiry follows the run's clock, so
 * state that expired while a run was down is gone when a later run resumes.
 *
 * @typeParam T - The value's type.
 * @param type - How the value is stored.
 * @param options - `expireAfterWrite` or `expireAfterCall` (ms; at most one).
 * @returns The spec, for `bind`'s `specs`.
 * @throws {@link sluice!BuildError | BuildError} for a bad type or duration, or both expiries.
 * @category Functions
 * @example
 * ```ts
 * bind({ typename: "shop/cart", specs: { items: valueSpec(jsonType<string[]>("shop/Items"), { expireAfterCall: hours(1) }) }, fn });
 * ```
 */
export function valueSpec<T>(type: Type<T>, options: ValueSpecOptions = {}): ValueSpec<T> {
  if (typeof type !== "object" || type === null || typeof type.serialize !== "function" || typeof type.deserialize !== "function") {
    throw new BuildError(`\`valueSpec\` needs a Type (like types.int or jsonType(...)); got ${describeType(type)}`);
  }
  const { expireAfterWrite, expireAfterCall } = options;
  for (const [name, ms] of [["expireAfterWrite", expireAfterWrite], ["expireAfterCall", expireAfterCall]] as const) {
    if (ms !== undefined && !(typeof ms === "number" && ms > 0 && Number.isFinite(ms))) {
      throw new BuildError(`\`valueSpec\` of type '${type.typename}': ${name} must be a positive number of ms; got ${describeType(ms)}`);
    }
  }
  if (expireAfterWrite !== undefined && expireAfterCall !== undefined) {
    throw new BuildError(`\`valueSpec\` of type '${type.typename}': give expireAfterWrite or expireAfterCall, not both`);
  }
  return Object.freeze({ type, ...(expireAfterWrite !== undefined ? { expireAfterWrite } : {}), ...(expireAfterCall !== undefined ? { expireAfterCall } : {}) });
}

/**
 * The state specs of a function: state name to {@link ValueSpec}.
 *
 * @category Functions
 */
export type Specs = { readonly [name: string]: ValueSpec<any> };

/**
 * A function's state as its body sees it: one property per spec, read
 * (`undefined` when absent or expired), assigned, or deleted
 * (`delete ctx.storage.visits`). Values are copies: to change a stored
 * object, assign it back.
 *
 * @category Functions
 */
export type Storage<S extends Specs> = { -readonly [K in keyof S]: S[K] extends ValueSpec<infer T> ? T | undefined : never };

/**
 * What a function body can do while it handles one message.
 *
 * @typeParam S - The function's state specs.
 * @category Functions
 */
export interface Context<S extends Specs = Specs> {
  /** The address of the instance handling the message. */
  readonly self: Address;
  /** The address of the function instance that sent the message (also for a delayed one); `undefined` for ingress. */
  readonly caller: Address | undefined;
  /** The instance's state. */
  readonly storage: Storage<S>;
  /** Send `message` to its target (after this message is handled). */
  send(message: Message): void;
  /**
   * Send `message` in `delayMs` ms of the run's clock. With a
   * `cancellationToken`, `cancelDelayedMessage(token)` on this instance
   * cancels it until it is delivered.
   */
  sendAfter(delayMs: number, message: Message, cancellationToken?: string): void;
  /** Cancel this instance's delayed messages sent with `token` and not yet delivered (none: nothing happens). */
  cancelDelayedMessage(token: string): void;
  /** Emit `value`, written as `type`, to the egress `egressTypename`. */
  sendEgress<T>(egressTypename: string, value: T, type: Type<T>): void;
}

/**
 * The body of an embedded function: called once per message, one message at
 * a time per address, in arrival order; it may be async.
 *
 * @category Functions
 */
export type FunctionBody<S extends Specs> = (ctx: Context<S>, msg: Message) => void | Promise<void>;

/**
 * What {@link bind} takes.
 *
 * @typeParam S - The function's state specs.
 * @category Functions
 */
export interface BindOptions<S extends Specs> {
  /** The function's typename, `namespace/name`. */
  typename: string;
  /** Its state, name to spec (default none). Names are identifiers (`[A-Za-z_][A-Za-z0-9_]*`). */
  specs?: S;
  /** Its body. */
  fn: FunctionBody<S>;
}

/**
 * A TypeScript function bound to a typename, for {@link applyFunctions}.
 *
 * @category Functions
 */
export interface BoundFunction {
  /** Always `"embedded"`. */
  readonly kind: "embedded";
  /** The typename it serves. */
  readonly typename: string;
  /** Its state specs. */
  readonly specs: Specs;
  /** Its body. */
  readonly fn: FunctionBody<Specs>;
}

const STATE_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * An embedded function: `fn` handles the messages to `typename`, with the
 * state `specs` describes, kept per address (per id) and snapshotted with
 * the run.
 *
 * @typeParam S - The state specs (inferred: `ctx.storage` is typed from them).
 * @param options - `typename`, `specs`, `fn`.
 * @returns The function, for {@link applyFunctions}' modules.
 * @throws {@link sluice!BuildError | BuildError} for a malformed typename, a bad state name or spec, or no `fn`.
 * @category Functions
 * @example
 * ```ts
 * const person = bind({
 *   typename: "greeter.fns/person",
 *   specs: { visits: valueSpec(types.int) },
 *   fn(ctx, msg) {
 *     const visits = (ctx.storage.visits ?? 0) + 1;
 *     ctx.storage.visits = visits;
 *     ctx.send(message("greeter.fns/greeter", ctx.self.id, visits, types.int));
 *   },
 * });
 * ```
 */
export function bind<const S extends Specs = Record<never, never>>(options: BindOptions<S>): BoundFunction {
  if (typeof options !== "object" || options === null) throw new BuildError(`\`bind\` needs { typename, specs, fn }; got ${describeType(options)}`);
  const typename = checkTypename(options.typename, "the typename of `bind`");
  if (typeof options.fn !== "function") throw new BuildError(`\`bind\` '${typename}' needs a function \`fn\`; got ${describeType(options.fn)}`);
  const specs: Record<string, ValueSpec<unknown>> = {};
  for (const [name, spec] of Object.entries(options.specs ?? {})) {
    if (!STATE_NAME.test(name)) throw new BuildError(`\`bind\` '${typename}': state name ${JSON.stringify(name)} must be an identifier ([A-Za-z_][A-Za-z0-9_]*)`);
    if (typeof spec !== "object" || spec === null || typeof (spec as ValueSpec<unknown>).type?.serialize !== "function") {
      throw new BuildError(`\`bind\` '${typename}': state '${name}' needs a spec made by valueSpec(type); got ${describeType(spec)}`);
    }
    specs[name] = spec as ValueSpec<unknown>;
  }
  return Object.freeze({ kind: "embedded", typename, specs: Object.freeze(specs), fn: options.fn as FunctionBody<Specs> });
}
