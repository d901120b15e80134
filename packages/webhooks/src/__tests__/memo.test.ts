import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { MEMO_IDLE_MS, memoized } from "../memo.js";

const IDLE_MS = 1_000;

/** A memo of `value:<key>` that counts how often each key was computed. */
function counting(limit = 16, idleMs = IDLE_MS) {
  const computed: string[] = [];
  const memo = memoized(
    limit,
    (key) => {
      computed.push(key);
      return `value:${key}`;
    },
    idleMs,
  );
  return { memo, computed };
}

describe("memoized, unused entries", () => {
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout", "performance"] });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it("drops an entry unused for the idle time, with no further call, and keeps one used meanwhile", () => {
    const { memo, computed } = counting();
    expect([memo("idle"), memo("used")]).toEqual(["value:idle", "value:used"]);
    vi.advanceTimersByTime(IDLE_MS / 2);
    expect(memo("used")).toBe("value:used");
    vi.advanceTimersByTime(IDLE_MS / 2);
    expect([memo.holds("idle"), memo.holds("used")]).toEqual([false, true]);
    // The one used half-way through goes an idle time after that use.
    vi.advanceTimersByTime(IDLE_MS / 2 - 1);
    expect(memo.holds("used")).toBe(true);
    vi.advanceTimersByTime(1);
    expect(memo.holds("used")).toBe(false);
    expect(vi.getTimerCount()).toBe(0);
    // Asked again, a dropped key is computed again.
    expect(memo("idle")).toBe("value:idle");
    expect(computed).toEqual(["idle", "used", "idle"]);
  });

  it("keeps an entry used more often than the idle time, however long", () => {
    const { memo, computed } = counting();
    memo("busy");
    for (let step = 0; step < 20; step += 1) {
      vi.advanceTimersByTime(IDLE_MS - 1);
      expect(memo("busy")).toBe("value:busy");
    }
    expect(computed).toEqual(["busy"]);
  });

  it("runs no timer while it remembers nothing: not at first, nor once everything is forgotten", () => {
    const { memo } = counting();
    expect(vi.getTimerCount()).toBe(0);
    memo("a");
    memo("b");
    expect(vi.getTimerCount()).toBe(1);
    memo.forget(["a"]);
    expect(vi.getTimerCount()).toBe(1);
    memo.forget(["b"]);
    expect(vi.getTimerCount()).toBe(0);
  });

  it("still forgets everything at once past its bound", () => {
    const { memo } = counting(2);
    memo("a");
    memo("b");
    memo("c");
    expect(["a", "b", "c"].map(memo.holds)).toEqual([false, false, true]);
    vi.advanceTimersByTime(IDLE_MS);
    expect(memo.holds("c")).toBe(false);
  });

  it("waits ten minutes by default", () => {
    const memo = memoized(16, (key) => key);
    memo("a");
    vi.advanceTimersByTime(MEMO_IDLE_MS - 1);
    expect(memo.holds("a")).toBe(true);
    vi.advanceTimersByTime(1);
    expect(memo.holds("a")).toBe(false);
  });
});

describe("memoized, when the wall clock steps (NTP, a resumed VM)", () => {
  beforeEach(() => {
    // The wall clock (Date) steps; the monotonic one (performance) and the timers run on.
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout", "performance", "Date"] });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it.each([
    ["forward", 3_600_000],
    ["back", -3_600_000],
  ])("drops an entry an idle time after its last use, the clock stepped %s an hour", (_, step) => {
    const { memo, computed } = counting();
    memo("a");
    vi.advanceTimersByTime(IDLE_MS / 2);
    memo("a");
    vi.setSystemTime(Date.now() + step);
    vi.advanceTimersByTime(IDLE_MS - 1);
    expect(memo.holds("a")).toBe(true);
    vi.advanceTimersByTime(1);
    expect(memo.holds("a")).toBe(false);
    expect(vi.getTimerCount()).toBe(0);
    expect(computed).toEqual(["a"]);
  });
});

describe("memoized, its timer", () => {
  it("never keeps the process alive", () => {
    const timers = () => process.getActiveResourcesInfo().filter((name) => name === "Timeout");
    const before = timers().length;
    const { memo } = counting();
    memo("a");
    expect(memo.holds("a")).toBe(true);
    expect(timers()).toHaveLength(before);
    memo.forget(["a"]);
  });
});
