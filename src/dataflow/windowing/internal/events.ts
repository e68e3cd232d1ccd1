/**
 * What a window step's keyed state emits, and how it is split into the
 * `down`, `late` and `meta` outputs.
 *
 * @module
 * @internal
 */

/** @internal A value emitted by a window logic. */
export const DOWN = 0;
/** @internal A late value. */
export const LATE = 1;
/** @internal A closed window's metadata. */
export const META = 2;

/** @internal `[tag, windowId, payload]`. */
export type WindowEvent = readonly [tag: typeof DOWN | typeof LATE | typeof META, windowId: number, payload: unknown];

/** @internal A mapper keeping the events tagged `tag` as `[key, [windowId, payload]]`. */
export function unwrap(tag: WindowEvent[0]) {
  return (items: (readonly [string, WindowEvent])[]): (readonly [string, readonly [number, unknown]])[] => {
    const out: (readonly [string, readonly [number, unknown]])[] = [];
    for (let i = 0; i < items.length; i++) {
      const [key, event] = items[i];
      if (event[0] === tag) out.push([key, [event[1], event[2]]]);
    }
    return out;
  };
}
