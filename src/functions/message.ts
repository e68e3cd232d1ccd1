/**
 * Messages to functions and to egresses.
 *
 * @module
 */
import { BuildError, describeType } from "../errors.js";
import { checkTypename, type Type } from "./types.js";

/**
 * Where a function instance lives: its function's typename and its id (the
 * key of its state). `{ typename: "greeter.fns/person", id: "ann" }` is Ann's
 * `person`.
 *
 * @category Functions
 */
export interface Address {
  /** The function's typename, `namespace/name`. */
  readonly typename: string;
  /** The instance's id. */
  readonly id: string;
}

/**
 * A value with its type's typename, as it travels and is stored (StateFun's
 * `TypedValue`).
 *
 * @category Functions
 */
export interface TypedValue {
  /** Typename of the value's {@link Type}. */
  readonly typename: string;
  /** The value's bytes. */
  readonly value: Uint8Array;
}

/**
 * A message to a function: its target address and its typed value. Made
 * with {@link message}, received as a function's second argument.
 *
 * @category Functions
 * @example
 * ```ts
 * const msg = message("greeter.fns/person", "ann", "Ann", types.string);
 * msg.targetAddress; // { typename: "greeter.fns/person", id: "ann" }
 * msg.is(types.string); // true
 * msg.as(types.string); // "Ann"
 * ```
 */
export class Message {
  /**
   * @param targetAddress - The function instance the message goes to.
   * @param typedValue - The value, as bytes with its typename.
   */
  constructor(
    readonly targetAddress: Address,
    readonly typedValue: TypedValue,
  ) {}

  /**
   * Whether the value is of `type` (its typename is `type`'s).
   *
   * @param type - The type to test.
   * @returns Whether `as(type)` reads the value.
   */
  is(type: Type<unknown>): boolean {
    return this.typedValue.typename === type.typename;
  }

  /**
   * The value, read as `type`.
   *
   * @param type - The value's type.
   * @returns The value.
   * @throws TypeError when the value is of another type.
   */
  as<T>(type: Type<T>): T {
    if (this.typedValue.typename !== type.typename) {
      throw new TypeError(`the message to '${addressText(this.targetAddress)}' holds a '${this.typedValue.typename}', not a '${type.typename}'`);
    }
    return type.deserialize(this.typedValue.value);
  }
}

/** @internal `typename/id`, as errors and keys show an address. */
export function addressText(address: Address): string {
  return `${address.typename}/${address.id}`;
}

/**
 * @internal `value` as a {@link TypedValue} of `type`, or a `TypeError`
 * naming `what` when `type` cannot write it.
 */
export function typedValue<T>(value: T, type: Type<T>, what: string): TypedValue {
  if (typeof type !== "object" || type === null || typeof type.serialize !== "function") {
    throw new TypeError(`${what} needs a Type (like types.string or jsonType(...)); got ${describeType(type)}`);
  }
  const bytes = type.serialize(value);
  if (!(bytes instanceof Uint8Array)) throw new TypeError(`the serialize of type '${type.typename}' must return a Uint8Array; got ${describeType(bytes)}`);
  return { typename: type.typename, value: bytes };
}

/**
 * A message to the function instance `targetId` of `targetTypename`,
 * holding `value` written as `type`. Send it with `ctx.send`, or feed it to
 * {@link applyFunctions} as ingress.
 *
 * @typeParam T - The value's type.
 * @param targetTypename - The target function's typename, `namespace/name`.
 * @param targetId - The target instance's id.
 * @param value - The value.
 * @param type - How the value is written.
 * @returns The message.
 * @throws {@link sluice!BuildError | BuildError} for a malformed typename or an id that is not a string;
 *   a TypeError when `type` cannot write `value`.
 * @category Functions
 * @example
 * ```ts
 * message("greeter.fns/person", "ann", "Ann", types.string);
 * ```
 */
export function message<T>(targetTypename: string, targetId: string, value: T, type: Type<T>): Message {
  checkTypename(targetTypename, "the target of a message");
  if (typeof targetId !== "string") throw new BuildError(`the id of a message to '${targetTypename}' must be a string; got ${describeType(targetId)}`);
  return new Message({ typename: targetTypename, id: targetId }, typedValue(value, type, `a message to '${targetTypename}'`));
}

/**
 * A value a function sent to an egress, as {@link FunctionsResult.egress}
 * gives it: the egress's typename and the typed value.
 *
 * @category Functions
 */
export interface EgressMessage {
  /** The egress's typename, `namespace/name`. */
  readonly typename: string;
  /** The value sent. */
  readonly typedValue: TypedValue;
}
