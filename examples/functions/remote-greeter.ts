/**
 * The greeter of `greeter.ts`, with its functions served by StateFun's own
 * Python SDK (`python/greeter.py`) and Sluice as their runtime, in place of
 * Flink: Sluice reads the visits, calls the functions over HTTP
 * (StateFun's request-reply protocol), keeps their state, delivers their
 * messages and delayed messages, and prints what they send to egresses.
 *
 *     python3 -m venv ~/statefun-venv
 *     ~/statefun-venv/bin/pip install -r examples/functions/python/requirements.txt
 *     ~/statefun-venv/bin/python examples/functions/python/greeter.py 8000   # prints READY 8000
 *     npx sluice run examples/functions/remote-greeter.ts                    # in another terminal
 *
 * prints the same lines as `greeter.ts`. `GREETER_URL` is where the
 * functions are served (default `http://127.0.0.1:8000/statefun`); the input
 * is in `visits.ts`.
 */
import { Dataflow } from "sluice";
import { applyFunctions, remote } from "sluice/functions";
import { print, visits } from "./visits.js";

/** Every function of the `greeter.fns` namespace: `greeter.fns/person` and `greeter.fns/greeter`. */
const python = remote({ url: process.env.GREETER_URL ?? "http://127.0.0.1:8000/statefun", typenames: ["greeter.fns/*"] });

export const flow = new Dataflow("remote_greeter");
print(applyFunctions("functions", visits(flow), [python]));
