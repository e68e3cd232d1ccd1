/**
 * The per-key state of a session windower.
 *
 * @module
 * @internal
 */
import { metadata, type WindowerLogic } from "./windowerLogic.js";
import type { WindowMetadata } from "../windowMetadata.js";

/**
 * The window id of late items on the `late` output of an operator using a
 * `SessionWindower` (session ids start at 0).
 *
 * @category Windowing
 * @example
 * ```ts
 * late.filter("late_sessions", ([, [id]]) => id === win.LATE_SESSION_ID);
 * ```
 */
export const LATE_SESSION_ID: number = -1;

/** @internal An open session: first and last timestamps, and the ids merged into it. */
export interface Session {
  readonly id: number;
  open: number;
  close: number;
  readonly merged: number[];
}

/** @internal Snapshot: the next id and the open sessions, by open time. */
export interface SessionState {
  readonly nextId: number;
  readonly sessions: readonly Session[];
}

/**
 * @internal Sessions of one key, numbered 0, 1, 2 … in the order they open.
 * Open sessions are always more than `gap` apart; an item within `gap` of one
 * (inclusive) joins it, and a session that grows to within `gap` of the next
 * one absorbs it (the earlier session keeps its id). A session closes once
 * the watermark is past its last item + `gap`.
 */
export class SessionWindowerLogic implements WindowerLogic<SessionState> {
  private nextId: number;
  private readonly sessions: Session[];
  private merges: (readonly [number, number])[] = [];

  constructor(
    private readonly gap: number,
    resume: SessionState | undefined,
  ) {
    this.nextId = resume?.nextId ?? 0;
    this.sessions = resume === undefined ? [] : resume.sessions.map(copySession);
  }

  openFor(ts: number): readonly number[] {
    const { gap, sessions } = this;
    const i = sessions.findIndex((s) => ts >= s.open - gap && ts <= s.close + gap);
    if (i < 0) {
      const session: Session = { id: this.nextId++, open: ts, close: ts, merged: [] };
      let at = sessions.length;
      while (at > 0 && sessions[at - 1].open > ts) at--;
      sessions.splice(at, 0, session);
      return [session.id];
    }
    const s = sessions[i];
    if (ts < s.open) s.open = ts;
    if (ts > s.close) s.close = ts;
    // Grown towards the next session: absorb it if now within the gap.
    while (i + 1 < sessions.length && sessions[i + 1].open - s.close <= gap) {
      const [next] = sessions.splice(i + 1, 1);
      s.close = Math.max(s.close, next.close);
      s.merged.push(next.id, ...next.merged);
      this.merges.push([next.id, s.id]);
    }
    return [s.id];
  }

  lateFor(): readonly number[] {
    return [LATE_SESSION_ID];
  }

  merged(): readonly (readonly [number, number])[] {
    const merges = this.merges;
    if (merges.length > 0) this.merges = [];
    return merges;
  }

  closeFor(watermark: number): readonly (readonly [number, WindowMetadata])[] {
    const closed: (readonly [number, WindowMetadata])[] = [];
    for (let i = 0; i < this.sessions.length; ) {
      const s = this.sessions[i];
      if (s.close + this.gap < watermark) {
        this.sessions.splice(i, 1);
        closed.push([s.id, metadata(s.open, s.close, s.merged)]);
      } else i++;
    }
    return closed;
  }

  oldestOpen(): number | undefined {
    return this.sessions[0]?.id;
  }

  nextClose(): number | undefined {
    if (this.sessions.length === 0) return undefined;
    let close = Infinity;
    for (const s of this.sessions) close = Math.min(close, s.close);
    // The first watermark (ms resolution) past a session's last item + gap.
    return close + this.gap + 1;
  }

  isEmpty(): boolean {
    // With no session open the key is dropped, numbering included: its next session is 0 again.
    return this.sessions.length === 0;
  }

  snapshot(): SessionState {
    return { nextId: this.nextId, sessions: this.sessions.map(copySession) };
  }
}

function copySession(s: Session): Session {
  return { id: s.id, open: s.open, close: s.close, merged: [...s.merged] };
}
