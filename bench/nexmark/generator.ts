/**
 * The Nexmark event generator, ported to TypeScript from the description of
 * the Nexmark benchmark's generator (nexmark-flink's `NexmarkGenerator`,
 * itself from Apache Beam's Nexmark): an auction site's stream of new
 * persons, new auctions and bids.
 *
 * - Event `n` (from 0) is a person when `n % 50 < 1`, an auction when
 *   `< 4`, else a bid: person 1 : auction 3 : bid 46 per 50 events.
 * - Its timestamp is `baseTime + floor(floor(n · 10⁶ / rate) / 1000)` ms
 *   (events evenly spaced at `rate` events per second of event time, in
 *   order: no out-of-order groups, as Nexmark's default).
 * - Ids count from 1000 (persons, auctions) and follow the event number, so
 *   a bid names an auction and a bidder that (mostly) exist: a bid is for a
 *   "hot" auction (the first of the latest hundred) with probability
 *   1 − 1/`hotAuctionRatio`, else for one of the latest
 *   `numInFlightAuctions` (+10 not yet created); likewise bidders
 *   (`hotBiddersRatio`, the second of the latest hundred persons, else one
 *   of the latest `numActivePeople` + 10) and sellers (`hotSellersRatio`,
 *   the first of the latest hundred persons).
 * - Prices are `round(10^(6u) · 100)` for `u` uniform in [0, 1) (1 to
 *   100,000,000 cents, log-uniform); half the bids come from one of 4 hot
 *   channels, the other half from one of 10,000 `channel-<i>`, with a URL per
 *   channel; `extra` pads each event to its average size (person 200,
 *   auction 500, bid 100 bytes, ±20%).
 *
 * Where this port departs from the original, on purpose:
 *
 * - the original's `Random` is unseeded; here every event is a pure function
 *   of `(seed, n)` (its random draws come from a PRNG seeded with both), so a
 *   run is deterministic and a source can resume at any event;
 * - random text (names, descriptions, padding, URL segments) is sliced from
 *   two pools of random characters made once (see `TextPools`), not drawn
 *   character by character;
 * - a bidder's id gets the first person id (1000) added once: the latest
 *   nexmark-flink adds it twice (naming persons 1000 ids ahead of the
 *   newest), its earlier versions once.
 */

/** A new person (Nexmark's `Person`). */
export interface Person {
  readonly kind: "person";
  readonly id: number;
  readonly name: string;
  readonly emailAddress: string;
  readonly creditCard: string;
  readonly city: string;
  readonly state: string;
  readonly dateTime: Date;
  readonly extra: string;
}

/** A new auction (Nexmark's `Auction`); prices in cents. */
export interface Auction {
  readonly kind: "auction";
  readonly id: number;
  readonly itemName: string;
  readonly description: string;
  readonly initialBid: number;
  readonly reserve: number;
  readonly dateTime: Date;
  readonly expires: Date;
  readonly seller: number;
  readonly category: number;
  readonly extra: string;
}

/** A bid (Nexmark's `Bid`); `price` in cents. */
export interface Bid {
  readonly kind: "bid";
  readonly auction: number;
  readonly bidder: number;
  readonly price: number;
  readonly channel: string;
  readonly url: string;
  readonly dateTime: Date;
  readonly extra: string;
}

/** One Nexmark event. */
export type NexmarkEvent = Person | Auction | Bid;

/** Whether `e` is a bid (the queries here read bids only, as Nexmark's `bid` view). */
export const isBid = (e: NexmarkEvent): e is Bid => e.kind === "bid";

/** The generator's parameters (Nexmark's `NexmarkConfiguration` defaults, with a seed). */
export interface GeneratorConfig {
  /** Events per second of event time (Nexmark's `firstEventRate`). */
  rate: number;
  /** Timestamp of event 0, ms since the epoch. */
  baseTime: number;
  /** Seed of the per-event PRNG. */
  seed: number;
  personProportion: number;
  auctionProportion: number;
  bidProportion: number;
  numActivePeople: number;
  numInFlightAuctions: number;
  hotAuctionRatio: number;
  hotSellersRatio: number;
  hotBiddersRatio: number;
  avgPersonByteSize: number;
  avgAuctionByteSize: number;
  avgBidByteSize: number;
}

/** Nexmark's defaults: 10,000 events/s, 1:3:46, 1000 active people, 100 auctions in flight, hot ratios 2, 4, 4. */
export const DEFAULT_CONFIG: GeneratorConfig = {
  rate: 10_000,
  baseTime: Date.UTC(2026, 0, 1),
  seed: 20,
  personProportion: 1,
  auctionProportion: 3,
  bidProportion: 46,
  numActivePeople: 1000,
  numInFlightAuctions: 100,
  hotAuctionRatio: 2,
  hotSellersRatio: 4,
  hotBiddersRatio: 4,
  avgPersonByteSize: 200,
  avgAuctionByteSize: 500,
  avgBidByteSize: 100,
};

export const FIRST_PERSON_ID = 1000;
export const FIRST_AUCTION_ID = 1000;
const FIRST_CATEGORY_ID = 10;
const NUM_CATEGORIES = 5;
/** Ids beyond the latest that a bid or auction may name (a person or auction "not yet" created). */
const ID_LEAD = 10;
/** Hot sellers, bidders and auctions are the first (bidders: second) of each hundred. */
const HOT_BATCH = 100;
const HOT_CHANNELS = ["Google", "Facebook", "Baidu", "Apple"];
const CHANNELS = 10_000;
const US_STATES = ["AZ", "CA", "ID", "OR", "WA", "WY"];
const US_CITIES = ["Phoenix", "Los Angeles", "San Francisco", "Boise", "Portland", "Bend", "Redmond", "Seattle", "Kent", "Cheyenne"];
const FIRST_NAMES = ["Peter", "Paul", "Luke", "John", "Saul", "Vicky", "Kate", "Julie", "Sarah", "Deiter", "Walter"];
const LAST_NAMES = ["Shultz", "Abrams", "Spencer", "White", "Bartels", "Walton", "Smith", "Jones", "Noris"];

/** A small seeded PRNG (mulberry32), reseeded per event. */
class Rng {
  #a = 0;

  /** Start the sequence of event `n` under `seed`. */
  reseed(seed: number, n: number): void {
    this.#a = (Math.imul(n, 0x9e3779b1) ^ Math.imul(seed + 1, 0x85ebca6b)) >>> 0;
  }

  /** 32 random bits, unsigned. */
  nextUint(): number {
    let a = (this.#a = (this.#a + 0x6d2b79f5) >>> 0);
    a = Math.imul(a ^ (a >>> 15), a | 1);
    a ^= a + Math.imul(a ^ (a >>> 7), a | 61);
    return (a ^ (a >>> 14)) >>> 0;
  }

  /** Uniform in [0, 1). */
  nextDouble(): number {
    return this.nextUint() / 4294967296;
  }

  /** Uniform integer in [0, bound). */
  nextInt(bound: number): number {
    return Math.floor(this.nextDouble() * bound);
  }
}

/** Characters in each pool of random text (see {@link TextPools}). */
const POOL = 1 << 20;

/**
 * Random text, made once per generator: `letters` (a to z) and `words`
 * (letters with a space for about one in 13). A generated string is a slice
 * of a pool at a random offset: as random as Nexmark's character-by-
 * character strings for what the queries do with them (nothing but carry
 * them), at a fraction of the cost (V8 slices share the pool's memory), so
 * the generator does not dominate a pass-through query.
 */
class TextPools {
  readonly letters: string;
  readonly words: string;

  constructor(rng: Rng) {
    const letters = new Uint8Array(POOL);
    const words = new Uint8Array(POOL);
    for (let i = 0; i < POOL; i++) {
      letters[i] = 97 + rng.nextInt(26);
      words[i] = rng.nextInt(13) === 0 ? 32 : 97 + rng.nextInt(26);
    }
    this.letters = Buffer.from(letters).toString("latin1");
    this.words = Buffer.from(words).toString("latin1");
  }
}

/** A string of 3 to `maxLength − 1` characters of `pool`. */
function nextString(rng: Rng, pool: string, maxLength: number): string {
  const len = 3 + rng.nextInt(maxLength - 3);
  const at = rng.nextInt(POOL - len);
  return pool.slice(at, at + len);
}

/** Words of 3 to `maxLength − 1` characters, trimmed (Nexmark's `nextString`). */
function nextWords(rng: Rng, pools: TextPools, maxLength: number): string {
  return nextString(rng, pools.words, maxLength).trim();
}

/** Padding so that `currentSize` plus its length is `averageSize` on average (±20%). */
function nextExtra(rng: Rng, pools: TextPools, currentSize: number, averageSize: number): string {
  if (currentSize > averageSize) return "";
  const want = averageSize - currentSize;
  const delta = Math.round(want * 0.2);
  const len = want - delta + (delta === 0 ? 0 : rng.nextInt(2 * delta));
  const at = rng.nextInt(POOL - len);
  return pools.letters.slice(at, at + len);
}

/** `ln(10⁶)`: 10^(6u) is `exp(u · ln(10⁶))` (`Math.exp` is cheaper than `Math.pow` here). */
const LN_1E6 = 6 * Math.LN10;

/** A price in cents: 10^(6u) dollars' hundredths, log-uniform over 1 … 10⁸. */
function nextPrice(rng: Rng): number {
  return Math.round(Math.exp(rng.nextDouble() * LN_1E6) * 100);
}

/** A URL path of three random segments, from `rng`. */
function baseUrl(rng: Rng, pools: TextPools): string {
  const l = pools.letters;
  return `https://www.nexmark.com/${nextString(rng, l, 5)}/${nextString(rng, l, 5)}/${nextString(rng, l, 5)}/item.htm?query=1`;
}

/** Reverse the 32 bits of `i` (Java's `Integer.reverse`), as a signed int. */
function reverseBits(i: number): number {
  let x = i >>> 0;
  let r = 0;
  for (let b = 0; b < 32; b++) {
    r = (r << 1) | (x & 1);
    x >>>= 1;
  }
  return r | 0;
}

/** Generates Nexmark events: `event(n)` is event `n`, the same for the same config. */
export class NexmarkGenerator {
  readonly config: GeneratorConfig;
  readonly #total: number;
  readonly #delayUs: number;
  readonly #rng = new Rng();
  readonly #pools: TextPools;
  readonly #hotUrls: string[];
  readonly #channels = new Map<number, readonly [string, string]>();

  constructor(config: Partial<GeneratorConfig> = {}) {
    this.config = { ...DEFAULT_CONFIG, ...config };
    const c = this.config;
    this.#total = c.personProportion + c.auctionProportion + c.bidProportion;
    this.#delayUs = 1_000_000 / c.rate;
    const rng = new Rng();
    rng.reseed(c.seed, -1);
    this.#pools = new TextPools(rng);
    this.#hotUrls = HOT_CHANNELS.map(() => baseUrl(rng, this.#pools));
  }

  /** The timestamp (ms) of event `n`. */
  timestampOf(n: number): number {
    return this.config.baseTime + Math.floor(Math.floor(n * this.#delayUs) / 1000);
  }

  /** Event `n` (from 0). */
  event(n: number): NexmarkEvent {
    const c = this.config;
    const rng = this.#rng;
    rng.reseed(c.seed, n);
    const ts = this.timestampOf(n);
    const rem = n % this.#total;
    if (rem < c.personProportion) return this.#person(n, ts);
    if (rem < c.personProportion + c.auctionProportion) return this.#auction(n, ts);
    return this.#bid(n, ts);
  }

  /** The latest person id (base 0) at event `n`: this event's, if it is a person. */
  lastPerson(n: number): number {
    const c = this.config;
    const epoch = Math.floor(n / this.#total);
    const offset = n % this.#total;
    return epoch * c.personProportion + (offset >= c.personProportion ? c.personProportion - 1 : offset);
  }

  /** The latest auction id (base 0) at event `n`: this event's, if it is an auction. */
  lastAuction(n: number): number {
    const c = this.config;
    let epoch = Math.floor(n / this.#total);
    let offset = n % this.#total;
    if (offset < c.personProportion) {
      epoch--;
      offset = c.auctionProportion - 1;
    } else if (offset >= c.personProportion + c.auctionProportion) {
      offset = c.auctionProportion - 1;
    } else {
      offset -= c.personProportion;
    }
    return epoch * c.auctionProportion + offset;
  }

  /** A random active person (base 0), a few possibly not yet created. */
  #randomPerson(n: number): number {
    const people = this.lastPerson(n) + 1;
    const active = Math.min(people, this.config.numActivePeople);
    return people - active + this.#rng.nextInt(active + ID_LEAD);
  }

  /** A random auction in flight (base 0), a few possibly not yet created. */
  #randomAuction(n: number): number {
    const max = this.lastAuction(n);
    const min = Math.max(max - this.config.numInFlightAuctions, 0);
    return min + this.#rng.nextInt(max - min + 1 + ID_LEAD);
  }

  #person(n: number, ts: number): Person {
    const rng = this.#rng;
    const name = `${FIRST_NAMES[rng.nextInt(FIRST_NAMES.length)]} ${LAST_NAMES[rng.nextInt(LAST_NAMES.length)]}`;
    const emailAddress = `${nextWords(rng, this.#pools, 7)}@${nextWords(rng, this.#pools, 5)}.com`;
    const card: string[] = [];
    for (let i = 0; i < 4; i++) card.push(String(rng.nextInt(10_000)).padStart(4, "0"));
    const creditCard = card.join(" ");
    const city = US_CITIES[rng.nextInt(US_CITIES.length)];
    const state = US_STATES[rng.nextInt(US_STATES.length)];
    const size = 8 + name.length + emailAddress.length + creditCard.length + city.length + state.length;
    const extra = nextExtra(rng, this.#pools, size, this.config.avgPersonByteSize);
    return { kind: "person", id: this.lastPerson(n) + FIRST_PERSON_ID, name, emailAddress, creditCard, city, state, dateTime: new Date(ts), extra };
  }

  #auction(n: number, ts: number): Auction {
    const c = this.config;
    const rng = this.#rng;
    const seller =
      (rng.nextInt(c.hotSellersRatio) > 0 ? Math.floor(this.lastPerson(n) / HOT_BATCH) * HOT_BATCH : this.#randomPerson(n)) + FIRST_PERSON_ID;
    const category = FIRST_CATEGORY_ID + rng.nextInt(NUM_CATEGORIES);
    const initialBid = nextPrice(rng);
    // Auctions last twice, on average, the time until numInFlightAuctions more auctions are created.
    const eventsForAuctions = Math.floor((c.numInFlightAuctions * this.#total) / c.auctionProportion);
    const horizon = this.timestampOf(n + eventsForAuctions) - ts;
    const expires = ts + 1 + rng.nextInt(Math.max(horizon * 2, 1));
    const itemName = nextWords(rng, this.#pools, 20);
    const description = nextWords(rng, this.#pools, 100);
    const reserve = initialBid + nextPrice(rng);
    const extra = nextExtra(rng, this.#pools, 8 + itemName.length + description.length + 40, c.avgAuctionByteSize);
    return {
      kind: "auction",
      id: this.lastAuction(n) + FIRST_AUCTION_ID,
      itemName,
      description,
      initialBid,
      reserve,
      dateTime: new Date(ts),
      expires: new Date(expires),
      seller,
      category,
      extra,
    };
  }

  #bid(n: number, ts: number): Bid {
    const c = this.config;
    const rng = this.#rng;
    const auction =
      (rng.nextInt(c.hotAuctionRatio) > 0 ? Math.floor(this.lastAuction(n) / HOT_BATCH) * HOT_BATCH : this.#randomAuction(n)) + FIRST_AUCTION_ID;
    const bidder =
      (rng.nextInt(c.hotBiddersRatio) > 0 ? Math.floor(this.lastPerson(n) / HOT_BATCH) * HOT_BATCH + 1 : this.#randomPerson(n)) + FIRST_PERSON_ID;
    const price = nextPrice(rng);
    let channel: string;
    let url: string;
    if (rng.nextInt(2) > 0) {
      const i = rng.nextInt(HOT_CHANNELS.length);
      channel = HOT_CHANNELS[i];
      url = this.#hotUrls[i];
    } else {
      [channel, url] = this.#channel(rng.nextInt(CHANNELS));
    }
    const extra = nextExtra(rng, this.#pools, 32, c.avgBidByteSize);
    return { kind: "bid", auction, bidder, price, channel, url, dateTime: new Date(ts), extra };
  }

  /** Channel `i`'s name and URL (nine in ten URLs carry a channel id), made once per channel. */
  #channel(i: number): readonly [string, string] {
    let known = this.#channels.get(i);
    if (known === undefined) {
      const rng = new Rng();
      rng.reseed(this.config.seed, -2 - i);
      const url = baseUrl(rng, this.#pools);
      known = [`channel-${i}`, rng.nextInt(10) > 0 ? `${url}&channel_id=${Math.abs(reverseBits(i))}` : url];
      this.#channels.set(i, known);
    }
    return known;
  }
}
