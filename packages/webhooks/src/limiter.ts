export const DEFAULT_IN_FLIGHT_PER_ENDPOINT = 4;

/**
 * At most `limit` deliveries in flight per endpoint, within one process: a slow receiver fills
 * its own slots and no one else's. Nothing waits here: a dispatcher asks for a slot before it
 * sends, and claims ahead only what the endpoint's slots get through soon at its recent pace,
 * leaving the rest due (for itself later, or another instance), so a queue never builds up in
 * memory behind a slow endpoint.
 */
export class EndpointLimiter {
  private readonly inFlightByKey = new Map<string, number>();
  private readonly freed = new Set<() => void>();

  constructor(readonly limit = DEFAULT_IN_FLIGHT_PER_ENDPOINT) {
    if (!Number.isInteger(limit) || limit < 1) {
      throw new RangeError(`the limit must be a whole number of at least 1, not ${limit}`);
    }
  }

  /** A slot for one delivery to `endpoint`, or undefined when all of its slots are taken. */
  tryAcquire(endpoint: string): (() => void) | undefined {
    const inFlight = this.inFlight(endpoint);
    if (inFlight >= this.limit) return undefined;
    this.inFlightByKey.set(endpoint, inFlight + 1);
    let released = false;
    return () => {
      if (released) return; // a second release must not free someone else's slot
      released = true;
      const left = this.inFlight(endpoint) - 1;
      if (left === 0) this.inFlightByKey.delete(endpoint);
      else this.inFlightByKey.set(endpoint, left);
      for (const listener of this.freed) listener();
    };
  }

  inFlight(endpoint: string): number {
    return this.inFlightByKey.get(endpoint) ?? 0;
  }

  /** Deliveries in flight to every endpoint together. */
  get total(): number {
    let total = 0;
    for (const count of this.inFlightByKey.values()) total += count;
    return total;
  }

  /** Calls `listener` whenever a slot is freed (a dispatcher looks for due work again). */
  onFreed(listener: () => void): () => void {
    this.freed.add(listener);
    return () => this.freed.delete(listener);
  }
}
