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

  /** @param capacity items kept; a positive integer. */
  constructor(capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError(`capacity must be a positive integer, got ${capacity}`);
    this.capacity = capacity;
    this.items = new Array<T | undefined>(capacity).fill(undefined);
  }

  /** Adds an item, evicting the oldest one when full. */
  push(item: T): void {
    if (this.count < this.capacity) {
      this.items[(this.head + this.count) % this.capacity] = item;
      this.count++;
      return;
    }
    this.items[this.head] = item;
    this.head = (this.head + 1) % this.capacity;
    this.evicted++;
  }

  /** Adds items in order; only the last `capacity` of a large batch are ever written. */
  pushAll(items: readonly T[]): void {
    const skip = items.length - this.capacity;
    if (skip > 0) {
      // Everything held now and the first `skip` new items would be evicted anyway.
      this.evicted += this.count + skip;
      this.head = 0;
      for (let i = 0; i < this.capacity; i++) this.items[i] = items[skip + i];
      this.count = this.capacity;
      return;
    }
    for (const item of items) this.push(item);
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
  }
}
