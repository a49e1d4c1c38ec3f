/**
 * A fixed-capacity buffer that keeps the newest items: once full, each push evicts the
 * oldest one and counts it, so the panel can say "N older lines dropped". Storage is one
 * array allocated up front and used circularly, so a push is O(1) whatever the capacity
 * (no Array.shift, no copying) and memory stays flat once the cap is reached.
 */
export class RingBuffer<T> {
  private readonly items: (T | undefined)[];
  private readonly capacity: number;
  /** Index of the oldest item. */
  private head = 0;
  private count = 0;
  private evicted = 0;
  /** Optional second bound: the summed weight (e.g. characters) of the items held. */
  private readonly maxWeight: number;
  private readonly weigh: ((item: T) => number) | undefined;
  private weight = 0;

  /**
   * @param capacity items kept; a positive integer.
   * @param options.maxWeight with `weigh`: oldest items are also evicted while the held items
   *   weigh more than this (the newest item always stays), so that a few huge items cannot hold
   *   `capacity` times their size.
   */
  constructor(capacity: number, options: { maxWeight?: number; weigh?: (item: T) => number } = {}) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError(`capacity must be a positive integer, got ${capacity}`);
    this.capacity = capacity;
    this.items = new Array<T | undefined>(capacity).fill(undefined);
    this.weigh = options.weigh;
    this.maxWeight = options.weigh ? options.maxWeight ?? Number.POSITIVE_INFINITY : Number.POSITIVE_INFINITY;
  }

  /** Adds an item, evicting the oldest one when full (or over the weight bound). */
  push(item: T): void {
    if (this.weigh) this.weight += this.weigh(item);
    if (this.count < this.capacity) {
      this.items[(this.head + this.count) % this.capacity] = item;
      this.count++;
    } else {
      this.dropOldest();
      this.items[(this.head + this.count) % this.capacity] = item;
      this.count++;
    }
    while (this.weight > this.maxWeight && this.count > 1) this.dropOldest();
  }

  /** Adds items in order; only the last `capacity` of a large batch are ever written. */
  pushAll(items: readonly T[]): void {
    const skip = items.length - this.capacity;
    if (skip > 0 && !this.weigh) {
      // Everything held now and the first `skip` new items would be evicted anyway.
      this.evicted += this.count + skip;
      this.head = 0;
      for (let i = 0; i < this.capacity; i++) this.items[i] = items[skip + i];
      this.count = this.capacity;
      return;
    }
    for (const item of items) this.push(item);
  }

  private dropOldest(): void {
    const oldest = this.items[this.head];
    if (this.weigh && oldest !== undefined) this.weight -= this.weigh(oldest);
    this.items[this.head] = undefined;
    this.head = (this.head + 1) % this.capacity;
    this.count--;
    this.evicted++;
  }

  /** The items held, oldest first (a new array). */
  toArray(): T[] {
    const out = new Array<T>(this.count);
    for (let i = 0; i < this.count; i++) out[i] = this.items[(this.head + i) % this.capacity] as T;
    return out;
  }

  /** Number of items held. */
  get size(): number {
    return this.count;
  }

  /** Total items evicted by pushes since construction or the last `clear()`. */
  get dropped(): number {
    return this.evicted;
  }

  /**
   * Empties the buffer and resets `dropped` (cleared items are not "dropped": the user asked
   * for them to go). References are released so their memory can be reclaimed.
   */
  clear(): void {
    this.items.fill(undefined);
    this.head = 0;
    this.count = 0;
    this.evicted = 0;
    this.weight = 0;
  }
}
