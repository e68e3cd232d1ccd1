/**
 * The window logic of `joinWindow`, and the clock adapter that lets a side's
 * clock stamp the side-tagged values.
 *
 * @module
 * @internal
 */
import type { RunClock } from "../../../clock.js";
import { JoinLogic, type JoinEmitMode, type JoinInsertMode } from "../../operators/join.js";
import { Clock } from "../clock.js";
import { WindowLogic } from "../windowLogic.js";
import type { ClockLogic } from "./clockLogic.js";

/** @internal A value of side `i`. */
export type SideValue = readonly [side: number, value: unknown];

/**
 * @internal One window of a join: `JoinLogic` per window. Values of a merged
 * session are combined as if the later session's values came after.
 */
export class JoinWindowLogic extends WindowLogic<SideValue, unknown[], unknown[][]> {
  private join: JoinLogic;

  constructor(
    private readonly insertMode: JoinInsertMode,
    private readonly emitMode: JoinEmitMode,
    seen: unknown[][],
  ) {
    super();
    this.join = new JoinLogic(insertMode, emitMode, seen);
  }

  onValue(value: SideValue): Iterable<unknown[]> {
    return this.join.onBatch([value])[0];
  }

  onMerge(original: JoinWindowLogic): Iterable<unknown[]> {
    const into = this.join.snapshot();
    const from = original.join.snapshot();
    let seen = into.map((vals, i) => {
      if (this.insertMode === "product") return [...vals, ...from[i]];
      if (this.insertMode === "first") return vals.length > 0 ? vals : from[i];
      return from[i].length > 0 ? from[i] : vals;
    });
    let rows: Iterable<unknown[]> = [];
    const complete = seen.every((vals) => vals.length > 0);
    if (this.emitMode === "running" || (this.emitMode === "complete" && complete)) rows = allRows(this.insertMode, seen);
    if (this.emitMode === "complete" && complete) seen = seen.map(() => []);
    this.join = new JoinLogic(this.insertMode, this.emitMode, seen);
    return rows;
  }

  onClose(): Iterable<unknown[]> {
    return this.emitMode === "final" ? this.join.onEof()[0] : [];
  }

  snapshot(): unknown[][] {
    return this.join.snapshot();
  }
}

/** The rows (cartesian product, `undefined` for empty sides) of `seen`. */
function allRows(insertMode: JoinInsertMode, seen: unknown[][]): Iterable<unknown[]> {
  return new JoinLogic(insertMode, "final", seen).onEof()[0];
}

/** @internal A clock stamping `[side, value]` by what `inner` says of `value`. */
export class SideClock extends Clock<SideValue> {
  constructor(private readonly inner: Clock<unknown>) {
    super();
  }

  build(resume: unknown, clock: RunClock): ClockLogic<SideValue, unknown> {
    const logic = this.inner.build(resume, clock);
    return {
      beforeBatch: () => logic.beforeBatch(),
      onItem: (sv: SideValue) => logic.onItem(sv[1]),
      watermark: () => logic.watermark(),
      onNotify: () => logic.onNotify(),
      onEof: () => logic.onEof(),
      toSystem: (watermark: number) => logic.toSystem(watermark),
      snapshot: () => logic.snapshot(),
    };
  }
}
