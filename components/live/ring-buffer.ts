/**
 * A bounded FIFO: once full, each push evicts the oldest item. The live tail keeps the last
 * `capacity` events in one, so memory stays bounded whatever the rate.
 */
export class RingBuffer<T> {
  private readonly items: (T | undefined)[];
  private head = 0; // index of the oldest item
  private count = 0;
  /** Every item ever pushed (evicted ones included). */
  total = 0;

  constructor(readonly capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError("capacity must be a positive integer");
    this.items = new Array(capacity);
  }

  get size(): number {
    return this.count;
  }

  /** Items pushed out by newer ones. */
  get evicted(): number {
    return this.total - this.count;
  }

  push(item: T): void {
    this.total++;
    if (this.count < this.capacity) {
      this.items[(this.head + this.count) % this.capacity] = item;
      this.count++;
      return;
    }
    this.items[this.head] = item;
    this.head = (this.head + 1) % this.capacity;
  }

  /** Oldest first. */
  toArray(): T[] {
    const out = new Array<T>(this.count);
    for (let i = 0; i < this.count; i++) out[i] = this.items[(this.head + i) % this.capacity] as T;
    return out;
  }

  /** The newest item, if any. */
  last(): T | undefined {
    return this.count === 0 ? undefined : this.items[(this.head + this.count - 1) % this.capacity];
  }

  clear(): void {
    this.items.fill(undefined);
    this.head = 0;
    this.count = 0;
    this.total = 0;
  }
}
