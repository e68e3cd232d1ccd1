/**
 * Wallaroo's stateless alerts application, ported: each transaction is
 * checked on its own, and one above 1000 gives a deposit alert, one below
 * -1000 a withdrawal alert.
 *
 *     npx sluice run examples/wallaroo/alerts_stateless.ts     # listens on 127.0.0.1:7010, prints alerts
 *     npx sluice run examples/wallaroo/send.ts                 # in another terminal: sends examples/data/transactions.txt
 *
 * prints, for the transactions of examples/data/transactions.txt:
 *
 *     Deposit Alert for alice: 1500
 *     Withdrawal Alert for bob: -1200
 *     Deposit Alert for bob: 2500
 *     Withdrawal Alert for carol: -2400
 *
 * and on stderr that it dropped the frame `dave,lots`. Stop it with Ctrl-C,
 * or give `ALERTS_END_AFTER=1` to end once the first sender has gone.
 *
 * Input: length-prefixed frames (a 4-byte big-endian length, as Wallaroo's
 * TCP source), each holding one transaction as the text `user,amount`.
 * Output: one alert a line on stdout, or with `ALERTS_OUT=host:port` one
 * alert per frame (same framing) to that server; run `receive.ts` there
 * first. The other variables are in `transactions.ts`.
 *
 * Wallaroo's `application_setup` becomes `statelessAlerts` below; `sluice
 * run` runs the `flow` export, which configures it from the environment.
 */
import { Dataflow } from "sluice";
import { alertFor, alertSink, configFromEnv, formatAlert, transactionSource, type Alert, type AlertsConfig, type Transaction } from "./transactions.js";

/** Wallaroo's `check_transaction` computation: an alert, or `undefined` (Python's `None`) for none. */
export function checkTransaction(transaction: Transaction): Alert | undefined {
  return alertFor(transaction.user, transaction.amount, 1000);
}

/** The pipeline: `source -> to(check_transaction) -> to_sink`. */
export function statelessAlerts(config: AlertsConfig): Dataflow {
  const flow = new Dataflow("alerts_stateless");
  flow
    .input("transactions", transactionSource("alerts_stateless", config)) // wallaroo.source(...)
    .filterMap("check_transaction", checkTransaction) // .to(check_transaction); undefined sends nothing on
    .map("encode_alert", formatAlert) // the sink's encoder
    .output("alerts", alertSink(config)); // .to_sink(...)
  return flow;
}

/** What `sluice run` runs: the application, configured from the environment. */
export const flow = (): Dataflow => statelessAlerts(configFromEnv());
