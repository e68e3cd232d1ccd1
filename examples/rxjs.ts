/**
 * RxJS in and out: a ticking Observable feeds a flow, and the flow's results
 * are observed as an Observable (as a UI would).
 *
 *     npx sluice run examples/rxjs.ts
 *
 * The source is an Observable of simulated page views (one every 50 ms, 40
 * in all); its completion ends the flow. The flow keeps a running count of
 * views per page. `toObservable` returns those counts as a hot Observable,
 * which this module turns into a "dashboard" with plain RxJS operators: all
 * pages' counts, printed at most every 250 ms. (`ObserverSink` takes any
 * Observer or Subject instead.)
 */
import { interval, map, scan, take, throttleTime } from "rxjs";
import { Dataflow } from "sluice";
import { ObservableSource, toObservable } from "sluice/connectors/rxjs";

/** Which page each view hits, in turn. */
const VISITS = ["/", "/docs", "/", "/pricing", "/blog", "/", "/docs"];

export const flow = new Dataflow("page_views");
const counts = flow
  .input(
    "views",
    new ObservableSource(() =>
      interval(50).pipe(
        take(40),
        map((i) => ({ page: VISITS[i % VISITS.length], user: `u${i % 5}` })),
      ),
    ),
  )
  .keyOn("by_page", (view) => view.page)
  .statefulMap("count", (n: number | undefined) => [(n ?? 0) + 1, (n ?? 0) + 1]);

// Subscribed before the run starts: the Observable is hot and replays nothing.
toObservable("dashboard", counts)
  .pipe(
    scan((all, [page, n]) => new Map(all).set(page, n), new Map<string, number>()),
    throttleTime(250, undefined, { leading: true, trailing: true }),
    map((all) => [...all].map(([page, n]) => `${page}: ${n}`).join("  ")),
  )
  .subscribe({
    next: (line) => console.log(line),
    complete: () => console.log("flow finished"),
    error: (err: unknown) => console.error("flow failed:", err),
  });
