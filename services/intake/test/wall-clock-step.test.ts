import { type Receiver, startReceiver } from "@sqibs/testing";
import { afterEach, describe, expect, it, vi } from "vitest";
import { startSweeper } from "../src/jobs/sweeper.js";
import { startTestService } from "./harness.js";
import { newAccount, trigger } from "./management/support.js";
import { newWebhook, receivedAtLeast, webhookService } from "./webhooks/support.js";

// The background jobs measure their own intervals on the monotonic clock: a step of the wall
// clock (NTP, a resumed VM) neither runs them early nor holds them back. Only the wall clock
// (Date) is fake here, and runs on; the timers and the network are real.

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

const started: Array<{ close(): Promise<void> }> = [];
afterEach(async () => {
  vi.useRealTimers();
  vi.restoreAllMocks();
  for (const item of started.splice(0).reverse()) await item.close();
});

describe("the sweeper's hourly scans", () => {
  it("run an hour apart on the monotonic clock, whichever way the wall clock steps", async () => {
    const service = await startTestService("wall_clock_sweeper");
    started.push(service);
    // The monotonic clock is fake too, to pass an hour without waiting for it.
    vi.useFakeTimers({ toFake: ["Date", "performance"], shouldAdvanceTime: true });
    const { deliveries, webhookDeliveries } = service.deps.repositories;
    const retention = vi.spyOn(webhookDeliveries, "deleteOlderThan");
    const allExpired = vi.spyOn(deliveries, "deleteAllExpired");
    const sweeper = startSweeper(service.deps, HOUR);
    started.push({ close: async () => sweeper.stop() });
    const scans = () => [retention.mock.calls.length, allExpired.mock.calls.length];

    // The retention scan at once, the scan of every delivery an hour after the start.
    await sweeper.runOnce();
    expect(scans()).toEqual([1, 0]);
    vi.setSystemTime(Date.now() + 2 * HOUR);
    await sweeper.runOnce();
    expect(scans()).toEqual([1, 0]);
    vi.advanceTimersByTime(HOUR);
    await sweeper.runOnce();
    expect(scans()).toEqual([2, 1]);
    vi.setSystemTime(Date.now() - 3 * HOUR);
    vi.advanceTimersByTime(HOUR);
    await sweeper.runOnce();
    expect(scans()).toEqual([3, 2]);
  });
});

describe("the rate limiter's cleanups of past windows", () => {
  it("run a minute apart on the monotonic clock, whichever way the wall clock steps", async () => {
    const service = await startTestService("wall_clock_rate_limits");
    started.push(service);
    const acme = await newAccount(service);
    vi.useFakeTimers({ toFake: ["Date", "performance"], shouldAdvanceTime: true });
    const cleanups = vi.spyOn(service.deps.repositories.rateLimits, "deleteExpired");

    vi.advanceTimersByTime(2 * MINUTE);
    await trigger(acme.ingest);
    expect(cleanups).toHaveBeenCalledTimes(1);
    // A step back: the next cleanup is still due a minute after the last one.
    vi.setSystemTime(Date.now() - HOUR);
    vi.advanceTimersByTime(MINUTE + 1_000);
    await trigger(acme.ingest);
    expect(cleanups).toHaveBeenCalledTimes(2);
    // A step forward: no cleanup before that minute has passed.
    vi.setSystemTime(Date.now() + 2 * HOUR);
    await trigger(acme.ingest);
    expect(cleanups).toHaveBeenCalledTimes(2);
    // The windows before the wall clock's present are what a cleanup deletes.
    vi.advanceTimersByTime(MINUTE + 1_000);
    await trigger(acme.ingest);
    expect(cleanups).toHaveBeenCalledTimes(3);
    const [before] = cleanups.mock.lastCall ?? [];
    expect(Math.abs(Number(before) - Date.now())).toBeLessThan(MINUTE);
  });
});

describe("the webhook dispatcher's ticks", () => {
  it("go on sending when the wall clock steps back an hour", async () => {
    const receiver: Receiver = await startReceiver();
    started.push(receiver);
    const service = await webhookService("wall_clock_dispatcher");
    started.push(service);
    const acme = await newAccount(service);
    await newWebhook(acme.admin, {
      scope: "global",
      url: `${receiver.origin}/hook`,
      events: ["incident.triggered"],
    });
    await trigger(acme.ingest);
    await receivedAtLeast(receiver.received, 1);

    // The step lands inside a tick (in its scan of the queue), after the tick noted its start:
    // on the wall clock the next tick then waited for the hour to come round again.
    vi.useFakeTimers({ toFake: ["Date"], shouldAdvanceTime: true });
    const { webhookDeliveries } = service.deps.repositories;
    const findDue = webhookDeliveries.findDue;
    let stepped: () => void = () => {};
    const step = new Promise<void>((resolve) => (stepped = resolve));
    vi.spyOn(webhookDeliveries, "findDue").mockImplementationOnce((...args) => {
      vi.setSystemTime(Date.now() - HOUR);
      stepped();
      return findDue.apply(webhookDeliveries, args);
    });
    await step;
    await trigger(acme.ingest);
    expect(await receivedAtLeast(receiver.received, 2)).toHaveLength(2);
  });
});
