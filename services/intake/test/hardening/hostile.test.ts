import { ObjectId } from "mongodb";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestService, type TestService } from "../harness.js";
import { bearer, payloadBytes, post, storedIncident } from "../ingest/support.js";

const MIB = 1024 * 1024;

interface Case {
  name: string;
  body: Buffer;
  contentType?: string;
  from?: string;
  /** Up to the body limit: sent once (keyed account, /v1/process) to keep the run short. */
  big?: true;
}

const json = (value: string): Buffer => Buffer.from(value, "utf8");

/** Nested arrays `depth` deep holding `inner` at the bottom. */
const nested = (depth: number, inner = "") => `${"[".repeat(depth)}${inner}${"]".repeat(depth)}`;

function manyKeys(count: number): string {
  const parts: string[] = [];
  for (let i = 0; i < count; i++) parts.push(`"${i.toString(36)}":${i % 10}`);
  return `{${parts.join(",")}}`;
}

const CORPUS: Case[] = [
  {
    name: "__proto__ and constructor keys",
    body: json(
      '{"__proto__":{"polluted":"yes"},"constructor":{"prototype":{"polluted":"yes"}},"a":{"__proto__":{"polluted":"yes"}}}',
    ),
    contentType: "application/json",
  },
  {
    name: "an empty object (keys that only exist on Object.prototype)",
    body: json("{}"),
    contentType: "application/json",
  },
  {
    name: "invalid UTF-8 as text",
    body: Buffer.from([
      0x61, 0xff, 0xfe, 0xc3, 0x28, 0xa0, 0xa1, 0xe2, 0x28, 0xa1, 0xf0, 0x28, 0x8c, 0xbc,
    ]),
    contentType: "text/plain",
  },
  {
    name: "invalid UTF-8 inside JSON",
    body: Buffer.concat([json('{"a":"'), Buffer.from([0xff, 0xc0, 0xaf]), json('"}')]),
    contentType: "application/json",
  },
  {
    name: "raw NUL bytes in a JSON key and value (not valid JSON: a text payload)",
    body: Buffer.from('{"a\u0000b":"x\u0000y"}', "utf8"),
    contentType: "application/json",
  },
  {
    name: "escaped NULs and lone surrogates",
    body: json('{"a":"\\u0000\\ud800\\udfff\\ud83d"}'),
    contentType: "application/json",
  },
  {
    name: "100,000 keys",
    body: json(manyKeys(100_000)),
    contentType: "application/json",
    big: true,
  },
  {
    name: "arrays nested 10,000 deep",
    body: json(nested(10_000)),
    contentType: "application/json",
  },
  {
    name: "arrays nested 10,000 deep under the title key",
    body: json(`{"a":${nested(10_000, '"bottom"')}}`),
    contentType: "application/json",
  },
  {
    name: "objects nested 100,000 deep under the title key",
    body: json(`${'{"a":'.repeat(100_000)}1${"}".repeat(100_000)}`),
    contentType: "application/json",
  },
  {
    name: "arrays nested as deep as the body limit allows",
    body: json(nested(MIB / 2)),
    contentType: "application/json",
    big: true,
  },
  {
    name: "a 1 MiB JSON string",
    body: json(`{"a":"${"x".repeat(MIB - 8)}"}`),
    contentType: "application/json",
    big: true,
  },
  {
    name: "a 1 MiB text of 3-byte characters",
    body: Buffer.from("€".repeat(Math.floor(MIB / 3)), "utf8"),
    contentType: "text/plain",
    big: true,
  },
  {
    name: "a 1 MiB number",
    body: json(`{"a":${"9".repeat(MIB - 6)}}`),
    contentType: "application/json",
    big: true,
  },
  {
    name: "CRLF header injection in from",
    body: json("{}"),
    from: "\r\nX-Injected: 1",
    contentType: "application/json",
  },
  { name: "NUL and CRLF in from", body: json("x"), from: "a\u0000b\r\nSet-Cookie: x=1" },
  {
    name: "an unknown charset",
    body: json("caf\xe9"),
    contentType: "text/plain; charset=x-nonsense",
  },
  {
    name: "a UTF-16 charset",
    body: Buffer.from('{"a":"utf16"}', "utf16le"),
    contentType: "application/json; charset=utf-16le",
  },
  { name: "a malformed content type", body: json("x"), contentType: "text/plain; ;;charset" },
  {
    name: "dotted and $ keys",
    body: json('{"$where":"1","a.b":{"$gt":""},"":{"":""}}'),
    contentType: "application/json",
  },
];

describe("hostile input: every case is a clear 2xx or 4xx, stored byte-exact, the process healthy", () => {
  let service: TestService;
  let plain: Awaited<ReturnType<TestService["account"]>>;
  let keyed: Awaited<ReturnType<TestService["account"]>>;

  beforeAll(async () => {
    service = await startTestService("hostile", {
      RATE_LIMIT_PER_MINUTE: 0,
      ACCOUNT_RATE_LIMIT_PER_MINUTE: 0,
    });
    plain = await service.account({ accountName: "Plain" });
    // Title and description read from payload keys: the rules walk and render the JSON.
    keyed = await service.account({
      accountName: "Keyed",
      titleKey: "a",
      descriptionKey: "constructor",
    });
  });
  afterAll(() => service.close());

  const targets = (hostile: Case) =>
    (hostile.big
      ? [["keyed", keyed, "/v1/process"]]
      : [
          ["plain", plain, "/v1/process"],
          ["keyed", keyed, "/v1/process"],
          ["keyed", keyed, "/v1/request"],
        ]) as Array<[string, typeof plain, string]>;

  // The big cases last: every later call is slower once megabyte documents are stored.
  for (const hostile of [...CORPUS].sort((a, b) => Number(a.big ?? 0) - Number(b.big ?? 0))) {
    it(`answers ${hostile.name}`, async () => {
      for (const [label, account, path] of targets(hostile)) {
        const response = await post(service, {
          path,
          body: hostile.body,
          ...(hostile.from !== undefined ? { query: { from: hostile.from } } : {}),
          headers: {
            ...(hostile.contentType ? { "content-type": hostile.contentType } : {}),
            ...bearer(account.globalToken.secret),
          },
        });
        const where = `${label} ${path}: ${response.status} ${response.text.slice(0, 300)}`;
        expect(response.status >= 200 && response.status < 500, where).toBe(true);
        expect(response.headers.get("x-injected"), where).toBeNull();
        expect(response.headers.get("set-cookie"), where).toBeNull();
        if (response.status >= 400) {
          expect(response.headers.get("content-type")).toMatch(/^application\/problem\+json/);
          continue;
        }
        expect(response.status, where).toBe(201);
        const id = new ObjectId(
          path === "/v1/process" ? response.json.incidents[0].id : response.json.request.id,
        );
        const collection = path === "/v1/process" ? "incidents" : "requests";
        const stored = await service.deps.repositories.database.db
          .collection(collection)
          .findOne({ _id: id });
        expect(stored, where).not.toBeNull();
        const bytes = await payloadBytes(service, stored);
        expect(bytes.equals(hostile.body), `${where}: stored bytes differ`).toBe(true);
        expect(typeof stored?.title).toBe("string");
        expect(String(stored?.title).length).toBeLessThanOrEqual(1024 + 200);
      }
      expect((await fetch(`${service.url}/healthz`)).status).toBe(200);
    });
  }

  it("reads no inherited member as a key: constructor is absent in {}", async () => {
    const response = await post(service, {
      body: "{}",
      headers: { "content-type": "application/json", ...bearer(keyed.globalToken.secret) },
    });
    expect(response.status).toBe(201);
    // The description is the whole payload: stored once, as the payload, and read back so.
    const stored = await storedIncident(service, keyed.account.id, response.json.incidents[0].id);
    expect(stored.title).toBe("Incident from unknown source");
    expect(stored.description).toBe("{}");
  });

  it("pollutes no prototype in the (shared) process", () => {
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.prototype).not.toHaveProperty("polluted");
  });

  it("keeps a CRLF in from out of every header and trims it from the title", async () => {
    const response = await fetch(`${service.url}/v1/process?from=%0d%0aX-Injected:%201`, {
      method: "POST",
      headers: bearer(plain.globalToken.secret),
      body: "x",
    });
    expect(response.status).toBe(201);
    expect(response.headers.get("x-injected")).toBeNull();
    const body = (await response.json()) as { incidents: Array<{ title: string }> };
    expect(body.incidents[0]?.title).toBe("Incident from X-Injected: 1");
  });

  it("takes empty from= and token= as absent: 201 and 401, never a 400", async () => {
    const empty = await fetch(`${service.url}/v1/process?from=&token=${plain.globalToken.secret}`, {
      method: "POST",
      body: "x",
    });
    expect(empty.status).toBe(201);
    const body = (await empty.json()) as { incidents: Array<{ title: string }> };
    expect(body.incidents[0]?.title).toBe("Incident from unknown source");
    const noToken = await fetch(`${service.url}/v1/process?token=`, { method: "POST", body: "x" });
    expect(noToken.status).toBe(401);
  });

  it("is healthy after the whole corpus", async () => {
    expect((await fetch(`${service.url}/healthz`)).status).toBe(200);
    expect((await fetch(`${service.url}/readyz`)).status).toBe(200);
  });
});
