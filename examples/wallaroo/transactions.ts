/**
 * What the two alerts applications (`alerts_stateless.ts`,
 * `alerts_stateful.ts`) share: the wire format of a transaction, the alerts,
 * and where they are read from and written to. Not a flow itself.
 *
 * A transaction travels over TCP as one length-prefixed frame: a 4-byte
 * big-endian length (Wallaroo's `@decoder(header_length=4, length_fmt=">I")`,
 * which is also `TcpSource`'s default), then the payload, the UTF-8 text
 * `user,amount`: `alice,1500` is a deposit, `bob,-300` a withdrawal. Amounts
 * are integers. A frame that is not a transaction is dropped and logged, as
 * a Wallaroo decoder returning `None` drops it.
 *
 * `sluice run` passes no arguments to a flow (Wallaroo gave
 * `application_setup` its `args`), so the addresses come from the
 * environment:
 *
 * - `ALERTS_IN=host:port`: where the applications listen for transactions,
 *   and where `send.ts` sends them. Default `127.0.0.1:7010`.
 * - `ALERTS_OUT=host:port`: a server to send alerts to, one frame each (with
 *   the same 4-byte header; `receive.ts` is such a server). Unset: alerts are
 *   printed on stdout, one a line.
 * - `ALERTS_END_AFTER=n`: end the input once `n` senders have disconnected.
 *   Unset: run until stopped (Ctrl-C).
 */
import type { DynamicSink } from "sluice";
import { StdOutSink } from "sluice/connectors/stdio";
import { TcpSink, TcpSource } from "sluice/connectors/tcp";

/** One transaction: Wallaroo's `Transaction(user, amount)`. */
export interface Transaction {
  readonly user: string;
  /** Positive for a deposit, negative for a withdrawal. */
  readonly amount: number;
}

/** Wallaroo's `DepositAlert` and `WithdrawalAlert`. */
export interface Alert {
  readonly kind: "Deposit" | "Withdrawal";
  readonly user: string;
  readonly amount: number;
}

/** A host and a port. */
export interface Address {
  readonly host: string;
  readonly port: number;
}

/** Where an alerts application reads and writes. */
export interface AlertsConfig {
  /** Where to listen for transactions (port `0`: a free port, see `onListening`). */
  readonly listen: Address;
  /** A server to send alerts to, as frames; absent: print them on stdout. */
  readonly out?: Address;
  /** End the input after this many senders have disconnected; absent: never. */
  readonly endAfterConnections?: number;
  /** Called once the application listens; default: says where on stderr. */
  readonly onListening?: (address: Address) => void;
  /** Where dropped frames and connection problems are reported; default `console.error`. */
  readonly logger?: (message: string) => void;
}

/**
 * A frame's payload as a transaction, or `undefined` (dropped) unless it is
 * `user,amount` with an integer amount.
 */
export function decodeTransaction(payload: Buffer): Transaction | undefined {
  const match = /^([^,]+),\s*([+-]?\d+)$/.exec(payload.toString("utf8").trim());
  if (match === null) return undefined;
  const user = match[1].trim();
  const amount = Number(match[2]);
  return user === "" || !Number.isSafeInteger(amount) ? undefined : { user, amount };
}

/** An alert when `amount` is above `limit` or below `-limit`; else `undefined` (Wallaroo's `None`). */
export function alertFor(user: string, amount: number, limit: number): Alert | undefined {
  if (amount > limit) return { kind: "Deposit", user, amount };
  if (amount < -limit) return { kind: "Withdrawal", user, amount };
  return undefined;
}

/** What the sink writes for an alert, as Wallaroo's `str(alert)`: `Deposit Alert for alice: 2200`. */
export function formatAlert(alert: Alert): string {
  return `${alert.kind} Alert for ${alert.user}: ${alert.amount}`;
}

/** `host:port` (an IPv6 host in brackets) as an address. */
export function parseAddress(text: string, what: string): Address {
  const match = /^\[?([^\]]*)\]?:(\d+)$/.exec(text.trim());
  const port = match === null ? NaN : Number(match[2]);
  if (match === null || match[1] === "" || port > 65535) throw new Error(`${what} must be host:port; got '${text}'`);
  return { host: match[1], port };
}

/** The configuration `sluice run` uses: `ALERTS_IN`, `ALERTS_OUT`, `ALERTS_END_AFTER` (see the top of this file). */
export function configFromEnv(env: NodeJS.ProcessEnv = process.env): AlertsConfig {
  const listen = parseAddress(env.ALERTS_IN || "127.0.0.1:7010", "ALERTS_IN");
  const out = env.ALERTS_OUT ? parseAddress(env.ALERTS_OUT, "ALERTS_OUT") : undefined;
  const endAfter = env.ALERTS_END_AFTER ? Number(env.ALERTS_END_AFTER) : undefined;
  if (endAfter !== undefined && !(Number.isInteger(endAfter) && endAfter >= 1)) {
    throw new Error(`ALERTS_END_AFTER must be a positive integer; got '${env.ALERTS_END_AFTER}'`);
  }
  return { listen, out, endAfterConnections: endAfter };
}

/** Wallaroo's `TCPSourceConfig(host, port, decoder)`: transactions from length-prefixed frames. */
export function transactionSource(app: string, config: AlertsConfig): TcpSource<Transaction> {
  const log = config.logger ?? ((message: string) => console.error(message));
  return new TcpSource({
    host: config.listen.host,
    port: config.listen.port,
    headerLength: 4, // header_length=4
    endian: "big", // length_fmt=">I"
    decoder: (payload) => {
      const transaction = decodeTransaction(payload);
      if (transaction === undefined) log(`${app}: dropped a frame that is not "user,amount": ${JSON.stringify(payload.toString("utf8"))}`);
      return transaction;
    },
    endAfterConnections: config.endAfterConnections,
    logger: log,
    onListening: config.onListening ?? (({ host, port }) => log(`${app}: listening for transactions on ${host}:${port}`)),
  });
}

/** Wallaroo's `TCPSinkConfig(host, port, encode_alert)`, or stdout without `out`. */
export function alertSink(config: AlertsConfig): DynamicSink<string> {
  if (config.out === undefined) return new StdOutSink();
  return new TcpSink({
    host: config.out.host,
    port: config.out.port,
    encoder: (line: string) => Buffer.from(line, "utf8"),
    logger: config.logger,
  });
}
