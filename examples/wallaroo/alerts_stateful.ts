/**
 * Wallaroo's stateful alerts application, ported: each user's transactions
 * add up to a running total (the state, one per user), and every
 * transaction that leaves the total above 2000 gives a deposit alert, below
 * -2000 a withdrawal alert (as in Wallaroo's tutorial, the alert repeats
 * for each transaction while the total stays beyond the limit).
 *
 *     npx sluice run examples/wallaroo/alerts_stateful.ts      # listens on 127.0.0.1:7010, prints alerts
 *     npx sluice run examples/wallaroo/send.ts                 # in another terminal: sends examples/data/transactions.txt
 *
 * prints, for the transactions of examples/data/transactions.txt:
 *
 *     Deposit Alert for alice: 2200
 *     Deposit Alert for alice: 2300
 *     Withdrawal Alert for bob: -2100
 *     Withdrawal Alert for carol: -2100
 *
 * and on stderr that it dropped the frame `dave,lots`. A user's alerts come
 * in the order of their transactions; alerts of different users may not
 * (each batch of transactions is processed user by user, users in sorted
 * order: here the whole file came in one batch). Stop
 * it with Ctrl-C, or give `ALERTS_END_AFTER=1` to end once the first sender
 * has gone.
 *
 * Input: length-prefixed frames (a 4-byte big-endian length, as Wallaroo's
 * TCP source), each holding one transaction as the text `user,amount`.
 * Output: one alert a line on stdout, or with `ALERTS_OUT=host:port` one
 * alert per frame (same framing) to that server; run `receive.ts` there
 * first. The other variables are in `transactions.ts`.
 *
 * With `-r DIR -s 1 -b 0` (after `npx sluice recovery init DIR 1`) the
 * totals survive a restart; Wallaroo's resilience mode did this with its
 * own log.
 */
import { Dataflow } from "sluice";
import { alertFor, alertSink, configFromEnv, formatAlert, transactionSource, type Alert, type AlertsConfig, type Transaction } from "./transactions.js";

/**
 * Wallaroo's `check_transaction_total` state computation: the user's new
 * total (the state; `undefined` before their first transaction, where
 * Wallaroo's `TransactionTotal` started at 0) and an alert, or `undefined`
 * for none.
 */
export function checkTransactionTotal(total: number | undefined, transaction: Transaction): [number, Alert | undefined] {
  const next = (total ?? 0) + transaction.amount;
  return [next, alertFor(transaction.user, next, 2000)];
}

/** The pipeline: `source -> key_by(extract_user) -> to(check_transaction_total) -> to_sink`. */
export function statefulAlerts(config: AlertsConfig): Dataflow {
  const flow = new Dataflow("alerts_stateful");
  flow
    .input("transactions", transactionSource("alerts_stateful", config)) // wallaroo.source(...)
    .keyOn("extract_user", (transaction) => transaction.user) // .key_by(extract_user)
    .statefulMap("check_transaction_total", checkTransactionTotal) // .to(check_transaction_total)
    .filterMap("alerts_only", ([, alert]) => alert) // no alert: no message
    .map("encode_alert", formatAlert) // the sink's encoder
    .output("alerts", alertSink(config)); // .to_sink(...)
  return flow;
}

/** What `sluice run` runs: the application, configured from the environment. */
export const flow = (): Dataflow => statefulAlerts(configFromEnv());
