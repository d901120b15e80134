import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import {
  type ChildService,
  killService,
  parseRawResponse,
  type RawConnection,
  rawConnection,
  seedDatabase,
  sleep,
  spawnService,
} from "./support.js";

/**
 * Issue 15, "no one can starve the intake": 256 connections that trickle a body (a byte every
 * 200 ms, for ever) from one client address — without a valid credential, then with one valid
 * token — while another sender, from another address, keeps calling POST /v1/process.
 *
 * A liveness property, measured generously but meaningfully: starved, the other sender gets
 * 503s (every concurrency slot held by a trickler) or waits for a trickler's 408
 * (REQUEST_TIMEOUT_MS); served, every one of its calls is a 201, none waits half that long,
 * and the typical (median) call takes less than a second (or four times its slowest call
 * before the attack, on a machine loaded by other work).
 */
const ATTACKERS = 256;
const ATTACKER_ADDRESS = "127.0.0.2";
const MAX_CONCURRENT = 16;
const MAX_BODY_READS = 8;
const REQUEST_TIMEOUT_MS = 6_000;
const ATTACK_MS = 4_000;

let service: ChildService | undefined;
let seed: Awaited<ReturnType<typeof seedDatabase>>;
let victimSecret: string;
let attackerSecret: string;
let slowest = 0;
let sequence = 0;

/** One call of the other sender; its status and how long it took. */
async function victimCall(): Promise<{ status: number; ms: number }> {
  sequence += 1;
  const started = performance.now();
  const response = await fetch(`${service?.url}/v1/process`, {
    method: "POST",
    headers: { authorization: `Bearer ${victimSecret}`, "content-type": "text/plain" },
    body: `victim call ${sequence}`,
  });
  await response.arrayBuffer();
  return { status: response.status, ms: performance.now() - started };
}

interface Trickled {
  /** Status of each answer the tricklers got, and whether it came before the body was done. */
  answers: Array<{ status: number; bytesSent: number }>;
  stop(): Promise<void>;
}

/**
 * `count` connections from ATTACKER_ADDRESS, each sending headers that announce a 100,000-byte
 * body and then a byte every 200 ms; a closed one is opened again at once, until stopped.
 */
function trickleAttack(count: number, headers: string): Trickled {
  const answers: Trickled["answers"] = [];
  let stopped = false;
  const open = new Set<RawConnection>();
  const attacker = async () => {
    while (!stopped) {
      const connection = await rawConnection(service?.url ?? "", {
        localAddress: ATTACKER_ADDRESS,
      }).catch(() => undefined);
      if (!connection) {
        await sleep(50);
        continue;
      }
      open.add(connection);
      connection.write(
        `POST /v1/process HTTP/1.1\r\nHost: localhost\r\n${headers}` +
          "Content-Type: text/plain\r\nContent-Length: 100000\r\n\r\n",
      );
      let bytesSent = 0;
      const timer = setInterval(() => {
        bytesSent += 1;
        connection.write("x");
      }, 200);
      await connection.closed;
      clearInterval(timer);
      open.delete(connection);
      const { status } = parseRawResponse(connection.received());
      if (status) answers.push({ status, bytesSent });
    }
  };
  const running = Array.from({ length: count }, attacker);
  return {
    answers,
    stop: async () => {
      stopped = true;
      for (const connection of open) connection.socket.destroy();
      await Promise.all(running);
    },
  };
}

/** The other sender's calls while the attack runs, ten a second at most (within its quota). */
async function victimCallsDuring(ms: number): Promise<Array<{ status: number; ms: number }>> {
  const calls: Array<{ status: number; ms: number }> = [];
  const until = Date.now() + ms;
  while (Date.now() < until) {
    calls.push(await victimCall());
    await sleep(100);
  }
  return calls;
}

function expectServed(calls: Array<{ status: number; ms: number }>): void {
  expect(calls.length).toBeGreaterThanOrEqual(3);
  expect(calls.map((call) => call.status)).toEqual(calls.map(() => 201));
  const times = calls.map((call) => call.ms).sort((a, b) => a - b);
  expect(times.at(-1)).toBeLessThan(REQUEST_TIMEOUT_MS / 2);
  expect(times[Math.floor(times.length / 2)]).toBeLessThan(Math.max(1_000, 4 * slowest));
}

beforeAll(async () => {
  seed = await seedDatabase(inject("mongodbUri"), "starvation");
  const attacker = await seed.repositories.accounts.create(
    { name: "Attacker", language: "en" },
    new Date(),
  );
  const { issueToken } = await import("../../src/usecases/tokens.js");
  const deps = { repositories: seed.repositories, clock: () => new Date() };
  attackerSecret = (
    await issueToken(deps, { accountId: attacker.id, name: "one token", scope: "global" })
  ).secret;
  victimSecret = seed.account.globalToken.secret;
  service = await spawnService({
    MONGODB_URI: inject("mongodbUri"),
    MONGODB_DB: seed.dbName,
    MAX_CONCURRENT_REQUESTS: String(MAX_CONCURRENT),
    MAX_BODY_READS_PER_CLIENT: String(MAX_BODY_READS),
    REQUEST_TIMEOUT_MS: String(REQUEST_TIMEOUT_MS),
    HEADERS_TIMEOUT_MS: "5000",
  });
  // The other sender's pace on this machine, before any attack (the first call warms up).
  await victimCall();
  for (let i = 0; i < 5; i += 1) slowest = Math.max(slowest, (await victimCall()).ms);
}, 60_000);

afterAll(async () => {
  await killService(service);
  await seed?.close();
});

describe("256 connections trickling a body cannot starve another sender", () => {
  it("without a valid credential: each is answered 401 before its body is read and holds no slot", async () => {
    // Half send an unknown token, half no credential at all.
    const unknownToken = trickleAttack(
      ATTACKERS / 2,
      `Authorization: Bearer sqibs_g_${"unknown".padEnd(40, "0")}\r\n`,
    );
    const noCredential = trickleAttack(ATTACKERS / 2, "");
    await sleep(500);
    const calls = await victimCallsDuring(ATTACK_MS);
    await Promise.all([unknownToken.stop(), noCredential.stop()]);

    expectServed(calls);
    const answers = [...unknownToken.answers, ...noCredential.answers];
    // Many rounds: each trickler was answered and cut off, then came back.
    expect(answers.length).toBeGreaterThan(ATTACKERS);
    expect(new Set(answers.map((answer) => answer.status))).toEqual(new Set([401]));
    // Answered long before its 100,000 bytes: after at most a few of them.
    expect(Math.max(...answers.map((answer) => answer.bytesSent))).toBeLessThan(100);
  }, 60_000);

  it("with one valid token: at most MAX_BODY_READS_PER_CLIENT are read at once, the rest 429, the slow ones 408", async () => {
    const attack = trickleAttack(ATTACKERS, `Authorization: Bearer ${attackerSecret}\r\n`);
    await sleep(500);
    const calls = await victimCallsDuring(ATTACK_MS);
    // The bodies being read run into the request timeout (checked every second).
    await sleep(REQUEST_TIMEOUT_MS + 1_500);
    await attack.stop();

    expectServed(calls);
    const statuses = attack.answers.map((answer) => answer.status);
    expect(new Set(statuses)).toEqual(new Set([408, 429]));
    const timedOut = statuses.filter((status) => status === 408).length;
    expect(timedOut).toBeGreaterThanOrEqual(1);
    // The first round's readers, and those that took their places once they were cut off.
    expect(timedOut).toBeLessThanOrEqual(3 * MAX_BODY_READS);
    expect(statuses.filter((status) => status === 429).length).toBeGreaterThan(ATTACKERS);
  }, 60_000);
});
