/**
 * A budget of bytes shared by concurrent requests: what the intake may hold parsed before it knows who signed it
 * (see verification-order.ts). `take` is refused once the bytes held would pass `limit`; `release` gives them back.
 */
export class ByteBudget {
  private held = 0;

  constructor(readonly limit: number) {}

  /** Takes `bytes` when they fit in what is left; false (nothing taken) otherwise. */
  take(bytes: number): boolean {
    if (this.held + bytes > this.limit) return false;
    this.held += bytes;
    return true;
  }

  release(bytes: number): void {
    this.held = Math.max(0, this.held - bytes);
  }

  get inUse(): number {
    return this.held;
  }
}
