/**
 * The Nexmark benchmark (`bench/nexmark/`): the generator keeps Nexmark's
 * proportions, id arithmetic, time spacing and hot ratios, and is a pure
 * function of (seed, event number); each query's Sluice flow (the built
 * package, recovery off and on) outputs what its plain-loop reference does.
 */
import { describe, expect, it } from "vitest";
import { FIRST_AUCTION_ID, FIRST_PERSON_ID, NexmarkGenerator, type Auction, type Bid, type NexmarkEvent, type Person } from "../../bench/nexmark/generator.js";
import { NexmarkSource, runQuery } from "../../bench/nexmark/flows.js";
import { QUERIES, reference } from "../../bench/nexmark/queries.js";

const N = 20_000;

function events(g: NexmarkGenerator, n: number): NexmarkEvent[] {
  const out: NexmarkEvent[] = [];
  for (let i = 0; i < n; i++) out.push(g.event(i));
  return out;
}

describe("Nexmark generator", () => {
  const g = new NexmarkGenerator();
  const all = events(g, N);
  const persons = all.filter((e): e is Person => e.kind === "person");
  const auctions = all.filter((e): e is Auction => e.kind === "auction");
  const bids = all.filter((e): e is Bid => e.kind === "bid");

  it("makes person 1 : auction 3 : bid 46 in every 50 events, in that order", () => {
    expect([persons.length, auctions.length, bids.length]).toEqual([N / 50, (3 * N) / 50, (46 * N) / 50]);
    for (let i = 0; i < 50; i++) expect(all[100 + i].kind).toBe(i < 1 ? "person" : i < 4 ? "auction" : "bid");
  });

  it("numbers persons and auctions from 1000, one after the other", () => {
    expect(persons.map((p) => p.id)).toEqual(persons.map((_, i) => FIRST_PERSON_ID + i));
    expect(auctions.map((a) => a.id)).toEqual(auctions.map((_, i) => FIRST_AUCTION_ID + i));
  });

  it("spaces events by the rate (10,000 events/s: event 10,000 is 1 s after event 0), in order", () => {
    const t0 = all[0].dateTime.getTime();
    expect(t0).toBe(g.config.baseTime);
    expect(all[10_000].dateTime.getTime() - t0).toBe(1000);
    expect(all[15].dateTime.getTime() - t0).toBe(1);
    for (let i = 1; i < N; i++) expect(all[i].dateTime.getTime()).toBeGreaterThanOrEqual(all[i - 1].dateTime.getTime());
  });

  it("bids on recent auctions by recent persons, mostly hot ones, and prices from $0.01 to $1,000,000", () => {
    let latestAuction = FIRST_AUCTION_ID - 1;
    let latestPerson = FIRST_PERSON_ID - 1;
    for (const e of all) {
      if (e.kind === "person") latestPerson = e.id;
      else if (e.kind === "auction") latestAuction = e.id;
      else {
        expect(e.auction).toBeLessThanOrEqual(latestAuction + 10);
        expect(e.auction).toBeGreaterThanOrEqual(latestAuction - 101);
        expect(e.bidder).toBeLessThanOrEqual(latestPerson + 10);
        expect(e.bidder).toBeGreaterThanOrEqual(latestPerson - 1000);
        expect(e.price).toBeGreaterThanOrEqual(100);
        expect(e.price).toBeLessThanOrEqual(100_000_000);
      }
    }
    // Hot auctions (the first of each hundred) with probability 1/2 + a little, hot bidders 3/4 + a little.
    const hotAuction = bids.filter((b) => (b.auction - FIRST_AUCTION_ID) % 100 === 0).length / bids.length;
    const hotBidder = bids.filter((b) => (b.bidder - FIRST_PERSON_ID) % 100 === 1).length / bids.length;
    expect(hotAuction).toBeGreaterThan(0.48);
    expect(hotAuction).toBeLessThan(0.56);
    expect(hotBidder).toBeGreaterThan(0.73);
    expect(hotBidder).toBeLessThan(0.8);
    // Half the bids from the 4 hot channels.
    const hotChannel = bids.filter((b) => ["Google", "Facebook", "Baidu", "Apple"].includes(b.channel)).length / bids.length;
    expect(hotChannel).toBeGreaterThan(0.47);
    expect(hotChannel).toBeLessThan(0.53);
    // Log-uniform prices: a sixth per decade (under $10: 10^(6u) < 10, u < 1/6).
    const underTenDollars = bids.filter((b) => b.price < 100 * 10).length / bids.length;
    expect(underTenDollars).toBeGreaterThan(0.14);
    expect(underTenDollars).toBeLessThan(0.19);
  });

  it("pads events to Nexmark's average sizes (bid 100, auction 500, person 200 bytes)", () => {
    const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;
    expect(mean(bids.map((b) => 32 + b.extra.length))).toBeCloseTo(100, -1);
    expect(mean(auctions.map((a) => 48 + a.itemName.length + a.description.length + a.extra.length))).toBeCloseTo(500, -1.5);
    expect(mean(persons.map((p) => 8 + p.name.length + p.emailAddress.length + p.creditCard.length + p.city.length + p.state.length + p.extra.length))).toBeCloseTo(200, -1.5);
  });

  it("is a pure function of (seed, event number)", () => {
    const again = new NexmarkGenerator();
    expect(JSON.stringify(events(again, 1000))).toBe(JSON.stringify(all.slice(0, 1000)));
    // In any order: event 12,345 alone equals the 12,345th of a sequential run.
    expect(JSON.stringify(new NexmarkGenerator().event(12_345))).toBe(JSON.stringify(all[12_345]));
    const other = new NexmarkGenerator({ seed: 7 });
    expect(JSON.stringify(events(other, 100))).not.toBe(JSON.stringify(all.slice(0, 100)));
  });

  it("feeds a source that resumes at its snapshot's event", async () => {
    const part = await new NexmarkSource(g, 1500, 1000).buildPart("in", "nexmark", 600);
    const batch = [...((await part.nextBatch()) ?? [])];
    expect(batch.length).toBe(900);
    expect(JSON.stringify(batch[0])).toBe(JSON.stringify(all[600]));
    expect(part.snapshot()).toBe(1500);
    expect(await part.nextBatch()).toBeNull();
  });
});

describe("Nexmark queries", () => {
  const g = new NexmarkGenerator();
  const event = g.event.bind(g);

  for (const query of QUERIES) {
    it(`${query}: the Sluice flow outputs what the reference does, recovery off and on`, async () => {
      const expected = reference(query, N, event);
      expect(Number(expected.split(" ")[0])).toBeGreaterThan(0);
      expect(expected).toMatch(/late 0$/);
      expect(await runQuery(query, g, N)).toBe(expected);
      expect(await runQuery(query, g, N, { recovery: true, epochSeconds: 0.05 })).toBe(expected);
    });
  }

  it("the digest tells outputs apart", () => {
    const digests = QUERIES.map((q) => reference(q, N, event));
    expect(new Set(digests).size).toBe(QUERIES.length);
    // Other events (another seed), other digests, for every query.
    const other = new NexmarkGenerator({ seed: 7 });
    const otherEvent = other.event.bind(other);
    for (const [i, q] of QUERIES.entries()) expect(reference(q, N, otherEvent)).not.toBe(digests[i]);
  });
});
