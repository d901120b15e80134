import { describe, expect, it } from "vitest";
import { DEFAULT_IN_FLIGHT_PER_ENDPOINT, EndpointLimiter } from "../limiter.js";

describe("EndpointLimiter", () => {
  it("gives each endpoint at most 4 slots by default, without touching the others", () => {
    const limiter = new EndpointLimiter();
    expect(limiter.limit).toBe(DEFAULT_IN_FLIGHT_PER_ENDPOINT);
    const slow = Array.from({ length: 4 }, () => limiter.tryAcquire("slow"));
    expect(slow.every((release) => typeof release === "function")).toBe(true);
    expect(limiter.tryAcquire("slow")).toBeUndefined();
    expect(limiter.inFlight("slow")).toBe(4);
    const fast = limiter.tryAcquire("fast");
    expect(fast).toBeTypeOf("function");
    expect(limiter.inFlight("fast")).toBe(1);
    expect(limiter.total).toBe(5);
  });

  it("frees a slot on release, once, whatever the number of calls", () => {
    const limiter = new EndpointLimiter(2);
    const first = limiter.tryAcquire("a");
    const second = limiter.tryAcquire("a");
    expect(limiter.tryAcquire("a")).toBeUndefined();
    first?.();
    first?.();
    expect(limiter.inFlight("a")).toBe(1);
    const third = limiter.tryAcquire("a");
    expect(third).toBeTypeOf("function");
    expect(limiter.tryAcquire("a")).toBeUndefined();
    second?.();
    third?.();
    expect(limiter.inFlight("a")).toBe(0);
    expect(limiter.total).toBe(0);
  });

  it("tells listeners when a slot is freed, until they unsubscribe", () => {
    const limiter = new EndpointLimiter(1);
    const freed: number[] = [];
    const unsubscribe = limiter.onFreed(() => freed.push(limiter.total));
    const release = limiter.tryAcquire("a");
    release?.();
    expect(freed).toEqual([0]);
    unsubscribe();
    limiter.tryAcquire("a")?.();
    expect(freed).toEqual([0]);
  });

  it.each([0, -1, 1.5, Number.NaN])("refuses a limit of %s", (limit) => {
    expect(() => new EndpointLimiter(limit)).toThrow(RangeError);
  });
});
