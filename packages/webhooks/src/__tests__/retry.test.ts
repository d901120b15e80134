import { describe, expect, it } from "vitest";
import {
  DEFAULT_DISABLE_AFTER_MS,
  DEFAULT_RETRY_POLICY,
  disableDecision,
  healthAfterAttempt,
  nextAttempt,
  parseRetryAfter,
} from "../retry.js";

const first = new Date("2026-11-28T00:00:00.000Z");
const at = (ms: number) => new Date(first.getTime() + ms);
const S = 1_000;
const H = 3_600_000;

describe("nextAttempt: exponential back-off with equal jitter, Retry-After, 24 h", () => {
  it.each([
    // attempts, now (ms after first), random, retryAfterSeconds, expected wait (ms after now)
    ["after the 1st attempt, no jitter", 1, 0, 0, undefined, 5 * S],
    ["after the 1st attempt, most jitter", 1, 0, 0.999, undefined, 9_995],
    ["after the 2nd", 2, 10 * S, 0, undefined, 10 * S],
    ["after the 3rd", 3, 30 * S, 0.5, undefined, 30 * S],
    ["after the 4th", 4, 70 * S, 1, undefined, 80 * S],
    ["capped at an hour", 20, 5 * H, 1, undefined, H],
    ["at least half the cap", 20, 5 * H, 0, undefined, H / 2],
    ["Retry-After longer than the back-off wins", 1, 0, 0, 120, 120 * S],
    ["Retry-After shorter than the back-off does not", 4, 70 * S, 0, 3, 40 * S],
    ["Retry-After is cut to an hour", 1, 0, 0, 86_400, H],
  ])("%s", (_name, attempts, nowMs, random, retryAfterSeconds, wait) => {
    const decision = nextAttempt(DEFAULT_RETRY_POLICY, {
      attempts,
      firstAttemptAt: first,
      now: at(nowMs),
      random,
      ...(retryAfterSeconds === undefined ? {} : { retryAfterSeconds }),
    });
    expect(decision).toEqual({ retry: true, at: at(nowMs + wait) });
  });

  it("makes one last attempt at the end of the 24 hours, then gives up", () => {
    const nearEnd = nextAttempt(DEFAULT_RETRY_POLICY, {
      attempts: 30,
      firstAttemptAt: first,
      now: at(24 * H - 60 * S),
      random: 1,
    });
    expect(nearEnd).toEqual({ retry: true, at: at(24 * H) });
    const atEnd = { attempts: 31, firstAttemptAt: first, now: at(24 * H), random: 0 };
    expect(nextAttempt(DEFAULT_RETRY_POLICY, atEnd)).toEqual({ retry: false });
    expect(nextAttempt(DEFAULT_RETRY_POLICY, { ...atEnd, now: at(30 * H) })).toEqual({
      retry: false,
    });
  });

  it("follows a configured policy (short, as tests of the dispatcher use)", () => {
    const policy = {
      firstDelayMs: 100,
      maxDelayMs: 400,
      retryForMs: 2_000,
      maxRetryAfterMs: 1_000,
    };
    const waits = [1, 2, 3, 4, 5].map((attempts) => {
      const decision = nextAttempt(policy, {
        attempts,
        firstAttemptAt: first,
        now: first,
        random: 1,
      });
      return decision.retry ? decision.at.getTime() - first.getTime() : undefined;
    });
    expect(waits).toEqual([100, 200, 400, 400, 400]);
    const asked = nextAttempt(policy, {
      attempts: 1,
      firstAttemptAt: first,
      now: first,
      random: 0,
      retryAfterSeconds: 5,
    });
    expect(asked).toEqual({ retry: true, at: at(1_000) });
  });

  it("spreads the whole default schedule over 24 hours in about 40 attempts", () => {
    let now = first;
    let attempts = 1;
    for (;;) {
      const decision = nextAttempt(DEFAULT_RETRY_POLICY, {
        attempts,
        firstAttemptAt: first,
        now,
        random: 0.5,
      });
      if (!decision.retry) break;
      expect(decision.at.getTime()).toBeGreaterThan(now.getTime());
      now = decision.at;
      attempts++;
    }
    expect(now).toEqual(at(24 * H));
    // Nine doubling waits (10 s to 43 min), then about 0.75 h each (equal jitter at 0.5).
    expect(attempts).toBe(41);
  });
});

describe("parseRetryAfter", () => {
  const now = new Date("2026-11-28T10:00:00.000Z");
  it.each([
    ["seconds", "120", 120],
    ["zero", "0", 0],
    ["with spaces", " 30 ", 30],
    ["an IMF-fixdate", "Sat, 28 Nov 2026 10:01:30 GMT", 90],
    ["an RFC 850 date", "Saturday, 28-Nov-26 10:00:10 GMT", 10],
    ["an asctime date", "Sat Nov 28 10:00:05 2026", 5],
    ["a date in the past", "Sat, 28 Nov 2026 09:00:00 GMT", 0],
    ["absent", undefined, undefined],
    ["empty", "", undefined],
    ["negative", "-5", undefined],
    ["a fraction", "1.5", undefined],
    ["a bare year (not a date)", "2026", 2026],
    ["nonsense", "soon", undefined],
  ])("%s: %j -> %j", (_name, value, seconds) => {
    expect(parseRetryAfter(value, now)).toBe(seconds);
  });
});

describe("disabling an endpoint that keeps failing", () => {
  const day = 24 * H;
  it.each([
    ["healthy", {}, 10 * day, false],
    ["failing for a day", { failingSince: at(0) }, day, false],
    [
      "failing for just under five days",
      { failingSince: at(0) },
      DEFAULT_DISABLE_AFTER_MS - 1,
      false,
    ],
    ["failing for five days", { failingSince: at(0) }, DEFAULT_DISABLE_AFTER_MS, true],
    [
      "failing for a week after a success",
      { lastSuccessAt: at(-day), failingSince: at(0) },
      7 * day,
      true,
    ],
  ])("%s -> disable %s", (_name, health, nowMs, disable) => {
    expect(disableDecision(health, at(nowMs)).disable).toBe(disable);
  });

  it("gives the reason, with the last success or none", () => {
    expect(disableDecision({ failingSince: at(0) }, at(5 * day))).toEqual({
      disable: true,
      reason:
        "Every delivery since 2026-11-28T00:00:00.000Z failed (5 days without a success); " +
        "no delivery has ever succeeded.",
    });
    const afterSuccess = disableDecision(
      { lastSuccessAt: at(-H), failingSince: at(0) },
      at(2 * H),
      2 * H,
    );
    expect(afterSuccess).toEqual({
      disable: true,
      reason:
        "Every delivery since 2026-11-28T00:00:00.000Z failed (2 hours without a success); " +
        "the last success was at 2026-11-27T23:00:00.000Z.",
    });
  });

  it("starts the failing period at the first failure and ends it at a success", () => {
    let health = {};
    health = healthAfterAttempt(health, { at: at(0), succeeded: false });
    health = healthAfterAttempt(health, { at: at(H), succeeded: false });
    expect(health).toEqual({ failingSince: at(0) });
    health = healthAfterAttempt(health, { at: at(2 * H), succeeded: true });
    expect(health).toEqual({ lastSuccessAt: at(2 * H) });
    health = healthAfterAttempt(health, { at: at(3 * H), succeeded: false });
    expect(health).toEqual({ lastSuccessAt: at(2 * H), failingSince: at(3 * H) });
  });
});
