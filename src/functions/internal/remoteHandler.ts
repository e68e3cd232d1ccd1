/**
 * Running remote functions: StateFun's request-reply protocol v3 over HTTP.
 *
 * @module
 * @internal
 */
import http from "node:http";
import https from "node:https";
import type { RemoteModule } from "../remote.js";
import type { Address } from "../message.js";
import { StderrLog } from "../../internal/stderrLog.js";
import { decodeFromFunction, encodeToFunction } from "./wire.js";
import { addressKey, keyAddress, type Envelope, type Expiry, type Handler, type Instance, type Out } from "./instance.js";

/** A state the function declared (from an `IncompleteInvocationContext`). */
interface RemoteSpec {
  readonly typename: string;
  readonly expiry: Expiry | undefined;
}

/** StateFun's `Address` of an address. */
function wireAddress({ typename, id }: Address): { namespace: string; type: string; id: string } {
  const slash = typename.indexOf("/");
  return { namespace: typename.slice(0, slash), type: typename.slice(slash + 1), id };
}

/** The key of a StateFun `Address`. */
const wireKey = (a: { namespace: string; type: string; id: string }): string => addressKey(`${a.namespace}/${a.type}`, a.id);

/** A value of an absent `TypedValue`. */
const NO_BYTES = new Uint8Array(0);

/** How many times a call answered `IncompleteInvocationContext` before it is an error. */
const MAX_REGISTRATIONS = 3;

/** Why an attempt failed, and whether another may succeed. */
class AttemptError extends Error {
  constructor(
    message: string,
    readonly retriable: boolean,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** @internal POSTs to one function server, with keep-alive connections and retries. */
export class Endpoint {
  private readonly agent: http.Agent;
  private readonly client: typeof http | typeof https;
  private readonly url: URL;
  private log: StderrLog | undefined;

  constructor(
    readonly href: string,
    private readonly timeout: number,
  ) {
    this.url = new URL(href);
    this.client = this.url.protocol === "https:" ? https : http;
    this.agent = new this.client.Agent({ keepAlive: true, maxSockets: 256 });
  }

  /** One POST of `body`; the reply's bytes, or an {@link AttemptError}. */
  private attempt(body: Uint8Array, timeoutMs: number): Promise<Uint8Array> {
    return new Promise((resolve, reject) => {
      const req = this.client.request(
        this.url,
        {
          method: "POST",
          agent: this.agent,
          headers: { "content-type": "application/octet-stream", "content-length": body.length },
          timeout: timeoutMs,
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on("data", (c: Buffer) => chunks.push(c));
          res.on("error", (err) => reject(new AttemptError(`the reply broke off: ${err.message}`, true, { cause: err })));
          res.on("end", () => {
            const bytes = Buffer.concat(chunks);
            const status = res.statusCode ?? 0;
            if (status === 200) resolve(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.length));
            else {
              const text = bytes.toString("utf8", 0, Math.min(bytes.length, 300)).trim();
              reject(new AttemptError(`HTTP ${status}${text ? `: ${text}` : ""}`, status >= 500 || status === 429));
            }
          });
        },
      );
      req.on("timeout", () => req.destroy(new AttemptError(`no reply within ${timeoutMs} ms`, true)));
      req.on("error", (err) => reject(err instanceof AttemptError ? err : new AttemptError(err.message, true, { cause: err })));
      req.end(body);
    });
  }

  /** POST `body`, retrying what may pass (connection errors, timeouts, 5xx) with backoff until the timeout. */
  async post(body: Uint8Array, what: string): Promise<Uint8Array> {
    const deadline = Date.now() + this.timeout;
    let backoff = 20;
    for (let attempts = 1; ; attempts++) {
      try {
        return await this.attempt(body, Math.max(1, deadline - Date.now()));
      } catch (err) {
        const e = err as AttemptError;
        const left = deadline - Date.now();
        if (!e.retriable || left <= backoff) {
          throw new Error(`remote function at ${this.href} failed for '${what}' after ${attempts} attempt${attempts === 1 ? "" : "s"}: ${e.message}`, { cause: err });
        }
        if (attempts === 1) {
          // Retries can last the whole timeout (a minute by default): say so once per call.
          this.log ??= StderrLog.fromEnv();
          this.log.warn(`remote function at ${this.href} failed for '${what}' (${e.message}); retrying for up to ${Math.round(left / 1000)} s`, {
            url: this.href,
            address: what,
          });
        }
        await new Promise((resolve) => setTimeout(resolve, backoff));
        backoff = Math.min(backoff * 2, 2000);
      }
    }
  }
}

/** @internal The handler of a remote module (one endpoint, the states its functions declared). */
export function remoteHandler(module: RemoteModule): Handler {
  let endpoint: Endpoint | undefined;
  /** Declared states, per typename. */
  const declared = new Map<string, Map<string, RemoteSpec>>();

  const call = async (inst: Instance, envelopes: Envelope[], out: Out[]): Promise<void> => {
    endpoint ??= new Endpoint(module.url, module.timeout);
    const { typename } = inst.address;
    let specs = declared.get(typename);
    if (specs === undefined) declared.set(typename, (specs = new Map()));
    const invocations = envelopes.map((env) => ({
      ...(env.c !== undefined ? { caller: wireAddress(keyAddress(env.c)) } : {}),
      argument: { typename: env.t, hasValue: true, value: env.v },
    }));
    for (let round = 0; ; round++) {
      const state = [...specs].map(([stateName, spec]) => {
        const v = inst.read(stateName);
        return { stateName, stateValue: v === undefined ? { typename: spec.typename, hasValue: false } : { typename: v.typename, hasValue: true, value: v.value } };
      });
      const body = encodeToFunction({ request: { case: "invocation", value: { target: wireAddress(inst.address), state, invocations } } });
      let reply;
      try {
        reply = decodeFromFunction(await endpoint.post(body, inst.key));
      } catch (err) {
        if (err instanceof Error && err.message.startsWith("remote function at")) throw err;
        throw new Error(`remote function at ${module.url} gave '${inst.key}' a reply that is not a FromFunction: ${(err as Error).message}`, { cause: err });
      }
      const response = reply.response;
      if (response.case === "incompleteInvocationContext") {
        const missing = response.value.missingValues;
        if (round >= MAX_REGISTRATIONS || missing.length === 0) {
          throw new Error(`remote function at ${module.url} keeps asking '${inst.key}' for state it was given (${missing.map((m) => m.stateName).join(", ") || "none named"})`);
        }
        for (const m of missing) {
          const mode = m.expirationSpec?.mode ?? 0;
          const ms = Number(m.expirationSpec?.expireAfterMillis ?? 0n);
          specs.set(m.stateName, { typename: m.typeTypename, expiry: mode === 0 || ms <= 0 ? undefined : { mode: mode === 1 ? 1 : 2, ms } });
        }
        continue;
      }
      if (response.case !== "invocationResult") throw new Error(`remote function at ${module.url} answered '${inst.key}' with an empty FromFunction`);
      const result = response.value;
      for (const m of result.stateMutations) {
        if (m.mutationType === 1) {
          const sv = m.stateValue;
          inst.write(m.stateName, { typename: sv?.typename ?? specs.get(m.stateName)?.typename ?? "", value: sv?.value ?? NO_BYTES }, specs.get(m.stateName)?.expiry);
        } else {
          inst.remove(m.stateName);
        }
      }
      for (const m of result.outgoingMessages) {
        const to = m.target!;
        out.push({ to: wireKey(to), c: inst.key, t: m.argument?.typename ?? "", v: m.argument?.value ?? NO_BYTES });
      }
      for (const d of result.delayedInvocations) {
        if (d.isCancellationRequest) {
          inst.cancel(d.cancellationToken);
          continue;
        }
        const to = d.target!;
        const value = { typename: d.argument?.typename ?? "", value: d.argument?.value ?? NO_BYTES };
        inst.delay(Number(d.delayInMs), wireKey(to), value, d.cancellationToken || undefined);
      }
      for (const e of result.outgoingEgresses) {
        out.push({ e: `${e.egressNamespace}/${e.egressType}`, t: e.argument?.typename ?? "", v: e.argument?.value ?? NO_BYTES });
      }
      return;
    }
  };

  return {
    async invoke(inst: Instance, envelopes: Envelope[], out: Out[]): Promise<void> {
      // One request per `maxBatchRequests` messages, in order: each sees the state the previous left.
      for (let i = 0; i < envelopes.length; i += module.maxBatchRequests) await call(inst, envelopes.slice(i, i + module.maxBatchRequests), out);
    },
  };
}
