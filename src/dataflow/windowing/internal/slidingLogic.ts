/**
 * The per-key state of tumbling and sliding windowers.
 *
 * @module
 * @internal
 */
import { metadata, type WindowerLogic } from "./windowerLogic.js";
import type { WindowMetadata } from "../windowMetadata.js";

/** @internal Snapshot: the ids of the open windows, ascending. */
export interface SlidingState {
  readonly opened: readonly number[];
}

/**
 * @internal Window `i` covers `[alignTo + i·offset, alignTo + i·offset +
 * length)`; it closes when the watermark reaches its end. Tumbling windows
 * are the case `offset === length`.
 */
export class SlidingWindowerLogic implements WindowerLogic<SlidingState> {
  private readonly opened: number[];

  constructor(
    private readonly length: number,
    private readonly offset: number,
    private readonly alignTo: number,
    resume: SlidingState | undefined,
  ) {
    this.opened = resume === undefined ? [] : [...resume.opened];
  }

  /** The ids of the windows holding `ts`: `i` with `open(i) <= ts < open(i) + length`. */
  idsFor(ts: number): number[] {
    const first = Math.floor((ts - this.alignTo - this.length) / this.offset) + 1;
    const last = Math.floor((ts - this.alignTo) / this.offset);
    const ids: number[] = [];
    for (let i = first; i <= last; i++) ids.push(i);
    return ids;
  }

  openFor(ts: number): readonly number[] {
    const ids = this.idsFor(ts);
    for (const id of ids) this.open(id);
    return ids;
  }

  lateFor(ts: number): readonly number[] {
    return this.idsFor(ts);
  }

  merged(): readonly (readonly [number, number])[] {
    return [];
  }

  closeFor(watermark: number): readonly (readonly [number, WindowMetadata])[] {
    let n = 0;
    while (n < this.opened.length && this.closeOf(this.opened[n]) <= watermark) n++;
    return this.opened.splice(0, n).map((id) => [id, metadata(this.openOf(id), this.closeOf(id))] as const);
  }

  oldestOpen(): number | undefined {
    return this.opened[0];
  }

  nextClose(): number | undefined {
    return this.opened.length === 0 ? undefined : this.closeOf(this.opened[0]);
  }

  isEmpty(): boolean {
    return this.opened.length === 0;
  }

  snapshot(): SlidingState {
    return { opened: [...this.opened] };
  }

  private openOf(id: number): number {
    return this.alignTo + id * this.offset;
  }

  private closeOf(id: number): number {
    return this.openOf(id) + this.length;
  }

  /** Add `id` to the sorted list of open windows (usually at the end). */
  private open(id: number): void {
    const opened = this.opened;
    let i = opened.length;
    while (i > 0 && opened[i - 1] > id) i--;
    if (i > 0 && opened[i - 1] === id) return;
    opened.splice(i, 0, id);
  }
}
