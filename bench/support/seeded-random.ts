/**
 * A small deterministic generator (mulberry32): the same seed gives the same ledger on every
 * machine, so two runs of the benchmark measure the same history.
 */
export class SeededRandom {
  private state: number;

  constructor(seed: number) {
    this.state = seed >>> 0;
  }

  /** A float in [0, 1). */
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** An integer in [0, bound). */
  below(bound: number): number {
    return Math.floor(this.next() * bound);
  }

  /** An integer in [min, max]. */
  between(min: number, max: number): number {
    return min + this.below(max - min + 1);
  }

  chance(probability: number): boolean {
    return this.next() < probability;
  }

  pick<T>(items: readonly T[]): T {
    const item = items[this.below(items.length)];
    if (item === undefined) throw new Error('cannot pick from an empty list');
    return item;
  }

  /** A waiting time with the given mean, as arrivals of independent people have. */
  exponential(mean: number): number {
    return -Math.log(1 - this.next()) * mean;
  }

  /**
   * An index in [0, count) where low indexes come far more often: index k has probability about
   * (sqrt(k+1) - sqrt(k)) / sqrt(count), the way a few production systems draw most requests.
   */
  skewedIndex(count: number): number {
    const u = this.next();
    return Math.min(count - 1, Math.floor(count * u * u));
  }

  /** A version-4 UUID, which the contracts' `z.uuid()` accepts, from this generator alone. */
  uuid(): string {
    const bytes: number[] = [];
    for (let word = 0; word < 4; word += 1) {
      const value = Math.floor(this.next() * 4294967296);
      bytes.push(value >>> 24, (value >>> 16) & 0xff, (value >>> 8) & 0xff, value & 0xff);
    }
    bytes[6] = (bytes[6]! & 0x0f) | 0x40;
    bytes[8] = (bytes[8]! & 0x3f) | 0x80;
    const hex = bytes.map((byte) => byte.toString(16).padStart(2, '0')).join('');
    return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
  }
}
