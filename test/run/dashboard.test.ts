/**
 * The live dashboard (`sluice run --dashboard`) in a real browser: the
 * machine's Chromium (`CHROMIUM_PATH`, default /usr/bin/chromium; CI installs
 * it), driven by playwright-core. One run of the real CLI on two workers is
 * watched while it runs (with recovery, so epochs commit snapshots) and after
 * it ends; a second page is fed hand-made
 * samples, to check what a real run cannot show on cue (rates to the item,
 * user text with markup in it, lag, errors). A screenshot of the live run is
 * saved to test-artifacts/dashboard.png.
 */
import { mkdir, mkdtemp, rm } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromium, type Browser, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Dataflow } from "../../src/index.js";
import { initDbDir } from "../../src/recovery/initDbDir.js";
import { MetricsHub } from "../../src/run/internal/metrics/hub.js";
import type { StepSample, WorkerSample } from "../../src/run/internal/metrics/sample.js";
import { serveOps } from "../../src/run/internal/metrics/server.js";
import { TestingSink, TestingSource } from "../../src/testing/index.js";
import { toJson } from "../../src/visualize/json.js";
import { ROOT, sluice, start, type Running } from "../support/cli.js";

/** The little of the DOM the page callbacks use (the project type-checks without the DOM library). */
interface PageElement {
  readonly dataset: Record<string, string | undefined>;
  readonly textContent: string | null;
  querySelector(selector: string): PageElement | null;
  getAttribute(name: string): string | null;
}
declare const document: {
  getElementById(id: string): PageElement | null;
  querySelector(selector: string): PageElement | null;
  querySelectorAll(selector: string): Iterable<PageElement> & { readonly length: number };
};
declare const window: { pwned?: unknown };

const FLOW = "test/run/fixtures/dashboard.ts:dashboardFlow";
/** What the fixture's source emits by default: 8 s of 20 orders every 100 ms. */
const ORDERS = (8000 / 100) * 20;
const SCREENSHOT = join(ROOT, "test-artifacts", "dashboard.png");

/** The dashboard's URL, from the line the CLI prints on stderr. */
function dashboardUrl(run: Running): Promise<string> {
  return new Promise((resolve, reject) => {
    let stderr = "";
    run.child.stderr!.on("data", (chunk: string) => {
      stderr += chunk;
      const m = /^sluice: dashboard at (http:\S+)$/m.exec(stderr);
      if (m !== null) resolve(m[1]);
    });
    void run.done.then((r) => reject(new Error(`sluice exited before serving the dashboard:\n${r.stderr}`)));
  });
}

/** A `data-*` attribute of the element `selector` names, once it exists. */
async function data(page: Page, selector: string, name: string): Promise<string | undefined> {
  return page.$eval(selector, (e, n) => (e as PageElement).dataset[n], name);
}

/** A text of the graph node of `stepId` (found by its data-step, which may hold any character). */
async function stepText(page: Page, stepId: string, selector: string): Promise<string | null | undefined> {
  return page.evaluate(
    ([id, sel]) => [...document.querySelectorAll("[data-step]")].find((g) => g.dataset.step === id)?.querySelector(sel)?.textContent,
    [stepId, selector] as const,
  );
}

/** Wait until `data-<name>` of `selector`, as a number, is above `than`. */
async function above(page: Page, selector: string, name: string, than: number): Promise<void> {
  await page.waitForFunction(
    ([s, n, t]) => Number((document.querySelector(s) as PageElement | null)?.dataset[n] ?? NaN) > t,
    [selector, name, than] as const,
    { timeout: 15_000 },
  );
}

describe("dashboard", () => {
  let browser: Promise<Browser>;

  beforeAll(() => {
    // Launched while the first test starts its run; awaited where needed.
    browser = chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium", args: ["--no-sandbox"] });
    browser.catch(() => {});
  });

  afterAll(async () => {
    await (await browser.catch(() => undefined))?.close();
  });

  it("follows a CLI run on two workers live: every step, moving numbers, commits, each worker's load, then how it ended", async () => {
    const state = await mkdtemp(join(tmpdir(), "sluice-dashboard-"));
    initDbDir(state, 2);
    const run = start(["run", FLOW, "--dashboard", "0", "-w", "2", "-s", "0.5", "-r", state, "-b", "0"]);
    try {
      const url = await dashboardUrl(run);
      expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
      const page = await (await browser).newPage({ viewport: { width: 1440, height: 900 } });
      const pageErrors: Error[] = [];
      page.on("pageerror", (err) => pageErrors.push(err));
      await page.goto(url);

      // The graph: one node per top-level step (it comes with the first worker's first sample).
      await page.waitForSelector("[data-step]", { timeout: 15_000 });
      const ids = await page.$$eval("[data-step]", (gs) => gs.map((g) => (g as PageElement).dataset.step));
      expect(ids).toEqual(["orders", "parse", "by_user", "running_total", "is_big", "alert", "alerts", "totals"].map((s) => `shop.${s}`));
      expect(await data(page, '[data-step="shop.by_user"]', "fused")).toBe("shop.parse");
      expect(await page.$$eval("path.edge", (ps) => ps.map((p) => `${p.getAttribute("data-from")}>${p.getAttribute("data-to")}`))).toContain(
        "shop.is_big>shop.totals",
      );
      expect(await page.title()).toBe("shop · Sluice dashboard");

      // Numbers move while the flow runs.
      await above(page, '[data-step="shop.orders"]', "items", 0);
      const items = Number(await data(page, '[data-step="shop.orders"]', "items"));
      await above(page, "#epoch", "epoch", 0);
      const epoch = Number(await data(page, "#epoch", "epoch"));
      await above(page, '[data-step="shop.orders"]', "items", items + 100);
      await above(page, "#epoch", "epoch", epoch);
      await above(page, '[data-step="shop.running_total"]', "rate", 0);
      expect(await page.textContent("#state")).toBe("running");
      await above(page, "#epoch-totals", "keys", 0);
      await above(page, "#epoch-totals", "bytes", 0);
      expect(await page.textContent("#epoch-label")).toBe("last epoch committed");

      // Two workers, each with a load read from its samples; the one reading and parsing is busy.
      await page.waitForFunction(() => [...document.querySelectorAll("[data-worker]")].every((w) => w.dataset.load !== ""), undefined, {
        timeout: 15_000,
      });
      const loads = await page.$$eval("[data-worker]", (ws) => ws.map((w) => Number((w as PageElement).dataset.load)));
      expect(loads).toHaveLength(2);
      expect(Math.max(...loads)).toBeGreaterThan(0);
      expect(await data(page, '[data-source="shop.orders"][data-partition="iterable"]', "lag")).toBe("—");

      await mkdir(join(ROOT, "test-artifacts"), { recursive: true });
      await page.screenshot({ path: SCREENSHOT, fullPage: true });

      // The end: the final picture stays, every order counted once.
      const result = await run.done;
      expect(result.code, result.stderr).toBe(0);
      await page.waitForFunction(() => document.getElementById("state")?.textContent === "eof", undefined, { timeout: 5000 });
      expect(await data(page, '[data-step="shop.orders"]', "items")).toBe(String(ORDERS));
      expect(await data(page, '[data-step="shop.running_total"]', "items")).toBe(String(ORDERS));
      expect(await page.textContent("#conn")).toBe("the run ended; its server is gone");
      expect(pageErrors).toEqual([]);
    } finally {
      run.child.kill();
      await run.done.catch(() => undefined);
      await rm(state, { recursive: true, force: true });
    }
  }, 60_000);

  it("shows user text as text, rates and counts from the samples, fused steps, lag and errors", async () => {
    const evil = '<img src=x onerror="pwned=1">';
    const flow = new Dataflow("f<i>");
    flow
      .input("in", new TestingSource<string>([]))
      .map(evil, (s) => s.toUpperCase())
      .keyOn("key", (s) => s)
      .statefulMap("sum", (n: number | undefined, _s: string) => [(n ?? 0) + 1, (n ?? 0) + 1] as const)
      .output("out", new TestingSink([]));
    const id = (step: string): string => `f<i>.${step}`;
    const hub = new MetricsHub({ flowId: "f<i>", workers: 1, recovery: true, epochInterval: 1000 });
    hub.graph = JSON.parse(toJson(flow)) as unknown;
    const node = (stepId: string, userSteps: string[], itemsIn: number, itemsOut: number, keys?: number): StepSample => ({
      stepId,
      userStepId: userSteps[0],
      userSteps,
      itemsIn,
      itemsOut,
      batches: 1,
      buckets: [],
      seconds: 0,
      keys,
    });
    // One worker's counters at `at`: `n` items read; the exchange and the state both see them.
    const sample = (at: number, n: number): WorkerSample => ({
      worker: 0,
      epoch: 2,
      at,
      busyMs: n,
      steps: [
        node(id("in"), [id("in")], 0, n),
        node(`${id(evil)}.flat_map_batch`, [id(evil), id("key")], n, n),
        node(`${id("sum")}.stateful_batch.exchange`, [id("sum")], n, n),
        node(`${id("sum")}.stateful_batch`, [id("sum")], n, n, 3),
        node(id("out"), [id("out")], n, 0),
      ],
      sources: [
        { stepId: id("in"), partition: "<p0>", items: n, lag: 42 },
        { stepId: id("in"), partition: "p1", items: 0, lag: undefined },
      ],
      exchanges: [],
    });
    const t = Date.now();
    hub.update(sample(t - 1000, 100));
    hub.error(Object.assign(new Error("bad value <script>pwned=2</script>"), { name: "StepError", stepId: id("sum") }));
    const server = await serveOps("dashboard", hub, { port: 0 });
    try {
      const page = await (await browser).newPage();
      await page.goto(`${server.url}/`);
      await page.waitForFunction((sel) => (document.querySelector(sel) as PageElement | null)?.dataset.items === "100", `[data-step="${id("sum")}"]`);
      // The next sample, pushed at once by an epoch: 500 more items in a second.
      hub.update(sample(t, 600));
      hub.epochClosed(1, t - 5, [{ bytes: new Uint8Array(2048) }, ...Array.from({ length: 6 }, () => ({ bytes: null }))]); // 7 snapshots, 2048 bytes
      const sum = `[data-step="${id("sum")}"]`;
      await page.waitForFunction((sel) => (document.querySelector(sel) as PageElement | null)?.dataset.items === "600", sum);
      expect(await data(page, sum, "rate")).toBe("500.00");
      expect(await data(page, `[data-step="${id("in")}"]`, "rate")).toBe("500.00");
      expect(await stepText(page, id("sum"), "text.op")).toBe("statefulMap · 3 keys");
      expect(await data(page, `[data-step="${id("key")}"]`, "fused")).toBe(id(evil));
      expect(await page.textContent("#epoch")).toBe("1");
      expect(await page.textContent("#snapshot")).toBe("7 keys · 2.0 KiB");
      expect(await page.$$eval("[data-worker]", (ws) => ws.map((w) => (w as PageElement).dataset.load))).toEqual(["0.5000"]);

      // Markup in ids, names, partitions and messages is shown, never run.
      expect(await page.title()).toBe("f<i> · Sluice dashboard");
      expect(await page.textContent("#flow")).toBe("f<i>");
      expect(await stepText(page, id(evil), "title")).toBe(`${id(evil)} (map)`);
      expect(await stepText(page, id(evil), "text.name")).toBe(`${evil.slice(0, 16)}…`);
      expect(await page.$$eval("[data-source]", (rs) => rs.map((r) => [(r as PageElement).dataset.partition, (r as PageElement).dataset.lag]))).toEqual([
        ["<p0>", "42"],
        ["p1", "—"],
      ]);
      expect(await page.$$eval("#errors li", (ls) => ls.map((l) => [l.querySelector(".what")!.textContent, l.querySelector(".message")!.textContent]))).toEqual([
        [`StepError in step ${id("sum")}`, "bad value <script>pwned=2</script>"],
      ]);
      expect(await page.evaluate(() => [document.querySelectorAll("img, main script").length, window.pwned])).toEqual([0, undefined]);
    } finally {
      await server.close();
    }
  });

  it("fails the run with a clear error when the port is in use", async () => {
    const blocker: Server = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, "127.0.0.1", resolve));
    const { port } = blocker.address() as AddressInfo;
    try {
      const r = await sluice(["run", "test/run/fixtures/flows.ts:flow", "--dashboard", String(port)]);
      expect(r.code).toBe(1);
      expect(r.stderr).toContain(`ConnectorError: cannot serve dashboard on 127.0.0.1:${port}: the port is in use`);
      expect(r.stdout).toBe("");
    } finally {
      await new Promise((resolve) => blocker.close(resolve));
    }
  });
});
