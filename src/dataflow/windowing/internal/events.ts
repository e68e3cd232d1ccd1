/**
 * What a window step's keyed state emits, and how it is split into the
 * `down`, `late` and `meta` outputs.
 *
 * @module
 * @internal
 */
import type { WindowMetadata } from "../windowMetadata.js";
import { metadata } from "./windowerLogic.js";

/** @internal A value emitted by a window (payload: the value). */
export const DOWN = 0;
/** @internal A late value (payload: the value). */
export const LATE = 1;
/** @internal A closed window's metadata (payload: a `WindowMetadata`, or `undefined` and the instants that follow). */
export const META = 2;
/** @internal A closed window's result and metadata in one event: `DOWN` then `META`. */
export const CLOSE = 3;

/**
 * @internal `[tag, [windowId, payload]]`: the inner pair is what the `down`
 * or `late` output carries (made once, by the logic). For `META` without a
 * metadata object and for `CLOSE`, the window's open and close instants
 * (epoch ms) and the ids merged into it (sessions) follow, from which the
 * `meta` output builds its `WindowMetadata` (only when something reads it).
 */
export type WindowEvent =
  | readonly [tag: typeof DOWN | typeof LATE, item: readonly [number, unknown]]
  | readonly [tag: typeof META, item: readonly [number, WindowMetadata]]
  | readonly [tag: typeof META | typeof CLOSE, item: readonly [number, unknown], open: number, close: number, merged?: readonly number[]];

/** @internal Which output an event goes to: `DOWN` takes `CLOSE` too, `META` takes `CLOSE` too. */
export type WindowOutput = typeof DOWN | typeof LATE | typeof META;

/** @internal A mapper keeping the events of `output` as `[key, [windowId, payload]]`. */
export function unwrap(output: WindowOutput) {
  return (items: (readonly [string, WindowEvent])[]): (readonly [string, readonly [number, unknown]])[] => {
    const out: (readonly [string, readonly [number, unknown]])[] = [];
    for (let i = 0; i < items.length; i++) {
      const [key, event] = items[i];
      const tag = event[0];
      if (output === META) {
        if (tag === META || tag === CLOSE) out.push([key, event.length > 2 ? [event[1][0], metaOf(event)] : event[1]]);
      } else if (tag === output || (tag === CLOSE && output === DOWN)) {
        out.push([key, event[1]]);
      }
    }
    return out;
  };
}

function metaOf(event: WindowEvent): WindowMetadata {
  return metadata(event[2]!, event[3]!, event[4]);
}
