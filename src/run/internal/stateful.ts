/**
 * Runtime node of the `statefulBatch` core operator: one logic per key,
 * sorted-key activations, timers, EOF and per-epoch snapshots.
 *
 * @module
 * @internal
 */
import { describeType } from "../../errors.js";
import type { LogicResult, StatefulBatchLogic } from "../../dataflow/stateful/logic.js";
import { checkLogicResult as checkResult } from "../../dataflow/stateful/result.js";
import { RuntimeNode, type RunContext, type SnapshotEntry } from "./node.js";
import { stepFailure } from "./failure.js";
import { TimerHeap } from "./timerHeap.js";
import type { ResumeStates } from "./sinks.js";

type Logic = StatefulBatchLogic<unknown, unknown, unknown>;
const ON_BATCH = 0;
const ON_NOTIFY = 1;
const ON_EOF = 2;
const METHODS = ["onBatch", "onNotify", "onEof"] as const;

/** @internal `statefulBatch`. */
export class StatefulBatchNode extends RuntimeNode {
  private readonly logics = new Map<string, Logic>();
  /** Keys whose state changed (or was discarded) this epoch. */
  private touched = new Set<string>();
  /** Authoritative due time per key; the heap may hold stale entries. */
  private readonly due = new Map<string, number>();
  private readonly timers = new TimerHeap();
  private ended = false;

  constructor(
    stepId: string,
    userStepId: string,
    private readonly builder: (resume: unknown) => unknown,
    private readonly fn: string,
  ) {
    super(stepId, userStepId, 1);
  }

  /** Rebuild keys from their resume states and ask for their timers again. */
  open(resume: ResumeStates, ctx: RunContext): void {
    for (const key of [...resume.keys()].sort()) {
      const logic = this.build(key, resume.get(key), ctx);
      this.logics.set(key, logic);
      this.schedule(key, logic, ctx);
    }
  }

  process(items: unknown[], ctx: RunContext): void {
    const groups = new Map<string, unknown[]>();
    for (let i = 0; i < items.length; i++) {
      const kv = items[i] as readonly [string, unknown];
      if (!Array.isArray(kv) || kv.length !== 2 || typeof kv[0] !== "string") {
        const err = new TypeError(`stateful steps need [key, value] items with a string key; got ${describeType(kv)}`);
        throw stepFailure(err, this.fn || "onBatch", this.userStepId, { epoch: ctx.epoch });
      }
      const group = groups.get(kv[0]);
      if (group === undefined) groups.set(kv[0], [kv[1]]);
      else group.push(kv[1]);
    }
    const keys = groups.size === 1 ? [...groups.keys()] : [...groups.keys()].sort();
    const out: unknown[] = [];
    for (let i = 0; i < keys.length; i++) this.call(keys[i], ON_BATCH, groups.get(keys[i])!, out, ctx);
    this.emit(0, out);
  }

  /** Earliest pending notification, or `Infinity`. */
  nextDue(): number {
    const timers = this.timers;
    while (timers.size > 0 && this.due.get(timers.peekKey()) !== timers.peekTime()) timers.pop();
    return timers.peekTime();
  }

  /** Fire every notification due at `now`, keys in sorted order. */
  fireDue(now: number, ctx: RunContext): boolean {
    if (this.ended || this.nextDue() > now) return false;
    const keys: string[] = [];
    const timers = this.timers;
    while (timers.size > 0 && timers.peekTime() <= now) {
      const key = timers.peekKey();
      if (this.due.get(key) === timers.peekTime()) {
        this.due.delete(key);
        keys.push(key);
      }
      timers.pop();
    }
    keys.sort();
    const out: unknown[] = [];
    for (const key of keys) if (this.logics.has(key)) this.call(key, ON_NOTIFY, undefined, out, ctx);
    this.emit(0, out);
    return keys.length > 0;
  }

  override onEof(ctx: RunContext): void {
    const out: unknown[] = [];
    for (const key of [...this.logics.keys()].sort()) this.call(key, ON_EOF, undefined, out, ctx);
    this.ended = true;
    this.due.clear();
    this.timers.clear();
    this.emit(0, out);
  }

  override snapshot(out: SnapshotEntry[]): void {
    if (this.touched.size === 0) return;
    const keys = [...this.touched].sort();
    this.touched = new Set();
    for (const key of keys) {
      const logic = this.logics.get(key);
      if (logic === undefined) {
        out.push({ stepId: this.stepId, userStepId: this.userStepId, stateKey: key, state: undefined, discarded: true });
        continue;
      }
      let state: unknown;
      try {
        state = logic.snapshot();
      } catch (err) {
        throw stepFailure(err, "snapshot", this.userStepId, { key });
      }
      out.push({ stepId: this.stepId, userStepId: this.userStepId, stateKey: key, state, discarded: false });
    }
  }

  private build(key: string, resume: unknown, ctx: RunContext): Logic {
    let logic: unknown;
    try {
      logic = this.builder(resume);
    } catch (err) {
      throw stepFailure(err, "builder", this.userStepId, { key, epoch: ctx.epoch });
    }
    if (logic === null || typeof logic !== "object" || typeof (logic as Logic).onBatch !== "function") {
      const err = new TypeError(`builder must return a StatefulBatchLogic; got ${describeType(logic)}`);
      throw stepFailure(err, "builder", this.userStepId, { key, epoch: ctx.epoch });
    }
    return logic as Logic;
  }

  private call(key: string, method: number, values: unknown[] | undefined, out: unknown[], ctx: RunContext): void {
    let logic = this.logics.get(key);
    if (logic === undefined) {
      logic = this.build(key, undefined, ctx);
      this.logics.set(key, logic);
    }
    let result: LogicResult<unknown>;
    try {
      const r = method === ON_BATCH ? logic.onBatch(values!) : method === ON_NOTIFY ? logic.onNotify() : logic.onEof();
      result = checkResult(r, METHODS[method]);
      const emitted = result[0];
      if (Array.isArray(emitted)) {
        for (let i = 0; i < emitted.length; i++) out.push([key, emitted[i]]);
      } else {
        for (const w of emitted) out.push([key, w]);
      }
    } catch (err) {
      throw stepFailure(err, method === ON_BATCH && this.fn !== "" ? this.fn : METHODS[method], this.userStepId, { key, epoch: ctx.epoch });
    }
    this.touched.add(key);
    if (result[1]) {
      this.logics.delete(key);
      this.due.delete(key);
    } else {
      this.schedule(key, logic, ctx);
    }
  }

  private schedule(key: string, logic: Logic, ctx: RunContext): void {
    let at: unknown;
    try {
      at = logic.notifyAt();
      if (at !== undefined && !(at instanceof Date && !Number.isNaN(at.getTime()))) {
        throw new TypeError(`\`notifyAt\` must return a valid Date or undefined; got ${describeType(at)}`);
      }
    } catch (err) {
      throw stepFailure(err, "notifyAt", this.userStepId, { key, epoch: ctx.epoch });
    }
    if (at === undefined) {
      this.due.delete(key);
      return;
    }
    const t = (at as Date).getTime();
    if (this.due.get(key) === t) return;
    this.due.set(key, t);
    this.timers.push(t, key);
  }
}
