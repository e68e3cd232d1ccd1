/**
 * One function instance (an address) as a key of the functions step: its
 * stored values with their expiry, its delayed messages, and the logic the
 * `statefulBatch` core runs for it.
 *
 * @module
 * @internal
 */
import { StatefulBatchLogic } from "../../dataflow/stateful/logic.js";
import { NOTIFY_AT_MS } from "../../dataflow/stateful/builtinLogic.js";
import type { RunClock } from "../../clock.js";
import type { Address, TypedValue } from "../message.js";

/** @internal A message on its way to an address (the value of a `[targetKey, Envelope]` item). */
export interface Envelope {
  /** The sender's key; absent for ingress. */
  readonly c?: string;
  /** The value's typename. */
  readonly t: string;
  /** The value's bytes. */
  readonly v: Uint8Array;
}

/** @internal A message an instance sends: to the key `to`, from the key `c`. */
export interface SendOut {
  readonly to: string;
  readonly c: string;
  readonly t: string;
  readonly v: Uint8Array;
}

/** @internal A value an instance sends to the egress `e`. */
export interface EgressOut {
  readonly e: string;
  readonly t: string;
  readonly v: Uint8Array;
}

/** @internal What an instance emits. */
export type Out = SendOut | EgressOut;

/** @internal How a stored value expires: after a write (1) or after a call (2), `ms` later. */
export interface Expiry {
  readonly mode: 1 | 2;
  readonly ms: number;
}

/** @internal A stored value: typename, bytes, when written, and its expiry if any. */
interface Stored {
  readonly t: string;
  readonly v: Uint8Array;
  readonly w: number;
  readonly x?: number;
  readonly m?: 1 | 2;
}

/** @internal A delayed message: due `at`, sequence `n` (ties), optional cancellation token `k`. */
interface Delayed {
  readonly at: number;
  readonly n: number;
  readonly k?: string;
  readonly to: string;
  readonly t: string;
  readonly v: Uint8Array;
}

/** @internal What an instance snapshots (plain data: it goes through the flow's state serde). */
export interface InstanceSnapshot {
  readonly s?: { readonly [name: string]: Stored };
  /** When the instance was last called. */
  readonly c?: number;
  readonly d?: readonly Delayed[];
  /** Next delayed message's sequence number. */
  readonly n?: number;
}

/** @internal Runs the messages of one batch for one instance (an embedded function, or a remote one). */
export interface Handler {
  invoke(instance: Instance, envelopes: Envelope[], out: Out[]): void | Promise<void>;
}

/** @internal The key of an address: `typename/id` (a typename has exactly one `/`). */
export const addressKey = (typename: string, id: string): string => `${typename}/${id}`;

/** @internal The address of a key made by {@link addressKey}. */
export function keyAddress(key: string): Address {
  const at = key.indexOf("/", key.indexOf("/") + 1);
  return { typename: key.slice(0, at), id: key.slice(at + 1) };
}

/** @internal The typename part of a key made by {@link addressKey}. */
export const keyTypename = (key: string): string => key.slice(0, key.indexOf("/", key.indexOf("/") + 1));

/** When `s` expires (`Infinity`: never), the instance last called at `called`. */
function expiresAt(s: Stored, called: number): number {
  if (s.x === undefined) return Infinity;
  return (s.m === 2 ? Math.max(s.w, called) : s.w) + s.x;
}

/**
 * @internal One address's state and the logic of its key. Handlers read and
 * change it while they run a batch; the engine snapshots it at epoch close.
 */
export class Instance extends StatefulBatchLogic<Envelope, Out, InstanceSnapshot> {
  private readonly values = new Map<string, Stored>();
  private called: number;
  /** Pending delayed messages, by `(at, n)`. */
  private delayed: Delayed[];
  private seq: number;
  /** The clock's time for the batch being handled. */
  now = 0;

  constructor(
    readonly key: string,
    readonly address: Address,
    private readonly handler: Handler,
    private readonly clock: RunClock,
    resume: InstanceSnapshot | undefined,
  ) {
    super();
    for (const [name, s] of Object.entries(resume?.s ?? {})) this.values.set(name, s);
    this.called = resume?.c ?? -Infinity;
    this.delayed = resume?.d !== undefined ? [...resume.d] : [];
    this.seq = resume?.n ?? 0;
  }

  /** The value `name` (absent or expired: `undefined`). */
  read(name: string): TypedValue | undefined {
    const s = this.values.get(name);
    if (s === undefined) return undefined;
    if (expiresAt(s, this.called) <= this.now) {
      this.values.delete(name);
      return undefined;
    }
    return { typename: s.t, value: s.v };
  }

  /** Store `value` as `name`, expiring as `expiry` says. */
  write(name: string, value: TypedValue, expiry: Expiry | undefined): void {
    this.values.set(name, expiry === undefined ? { t: value.typename, v: value.value, w: this.now } : { t: value.typename, v: value.value, w: this.now, x: expiry.ms, m: expiry.mode });
  }

  /** Forget `name`. */
  remove(name: string): void {
    this.values.delete(name);
  }

  /** Deliver `value` to `to` at `delayMs` from now, cancellable by `token`. */
  delay(delayMs: number, to: string, value: TypedValue, token: string | undefined): void {
    const d: Delayed = { at: this.now + Math.max(0, delayMs), n: this.seq++, to, t: value.typename, v: value.value, ...(token !== undefined && token !== "" ? { k: token } : {}) };
    let i = this.delayed.length;
    while (i > 0 && (this.delayed[i - 1].at > d.at || (this.delayed[i - 1].at === d.at && this.delayed[i - 1].n > d.n))) i--;
    this.delayed.splice(i, 0, d);
  }

  /** Drop the pending delayed messages sent with `token`. */
  cancel(token: string): void {
    if (this.delayed.some((d) => d.k === token)) this.delayed = this.delayed.filter((d) => d.k !== token);
  }

  /** Drop the values expired at `now`. */
  private expire(): void {
    for (const [name, s] of this.values) if (expiresAt(s, this.called) <= this.now) this.values.delete(name);
  }

  /** Whether nothing is left to keep. */
  private empty(): boolean {
    return this.values.size === 0 && this.delayed.length === 0;
  }

  /**
   * Handle a batch of messages, in order. Returns a Promise when the handler
   * does (an async function, a remote one): the functions step runs
   * `statefulBatch` in its asynchronous mode, which awaits it.
   */
  override onBatch(envelopes: Envelope[]): [Iterable<Out>, boolean] {
    this.now = this.clock.now();
    this.expire();
    const out: Out[] = [];
    const r = this.handler.invoke(this, envelopes, out);
    if (r === undefined) return this.afterCall(out);
    return r.then(() => this.afterCall(out)) as unknown as [Iterable<Out>, boolean];
  }

  /** After a batch: note the call, emit `out`, discard the key if nothing is left. */
  private afterCall(out: Out[]): [Iterable<Out>, boolean] {
    this.called = this.now;
    return [out, this.empty()];
  }

  /** Deliver the delayed messages due, drop expired values. */
  override onNotify(): [Iterable<Out>, boolean] {
    this.now = this.clock.now();
    const out: Out[] = [];
    let due = 0;
    while (due < this.delayed.length && this.delayed[due].at <= this.now) {
      const d = this.delayed[due++];
      out.push({ to: d.to, c: this.key, t: d.t, v: d.v });
    }
    if (due > 0) this.delayed = this.delayed.slice(due);
    this.expire();
    return [out, this.empty()];
  }

  /** The earliest delayed message or expiry, in ms. */
  [NOTIFY_AT_MS](): number {
    let at = this.delayed.length > 0 ? this.delayed[0].at : Infinity;
    for (const s of this.values.values()) at = Math.min(at, expiresAt(s, this.called));
    return at;
  }

  override snapshot(): InstanceSnapshot {
    return {
      ...(this.values.size > 0 ? { s: Object.fromEntries(this.values) } : {}),
      ...(this.called !== -Infinity ? { c: this.called } : {}),
      ...(this.delayed.length > 0 ? { d: this.delayed.slice(), n: this.seq } : {}),
    };
  }
}
