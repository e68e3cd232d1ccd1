/**
 * Builders given as logic classes.
 *
 * @module
 * @internal
 */

/**
 * @internal `builder` as a function: a subclass of `base` (a logic class
 * passed as the builder) is called with `new`, anything else as it is.
 */
export function builderFunction<A extends unknown[], L>(
  builder: ((...args: A) => L) | (new (...args: A) => L),
  base: abstract new (...args: never[]) => unknown,
): (...args: A) => L {
  if (typeof builder === "function" && builder.prototype instanceof base) {
    const Logic = builder as new (...args: A) => L;
    return (...args) => new Logic(...args);
  }
  return builder as (...args: A) => L;
}
