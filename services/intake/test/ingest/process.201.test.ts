import { defaultTitle } from "@sqibs/i18n";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestService, type TestService } from "../harness.js";
import { bearer, post, storedIncident } from "./support.js";

const ALERTMANAGER = JSON.stringify({
  status: "firing",
  groupKey: '{}:{alertname="HighErrorRate"}',
  commonAnnotations: { summary: "Error rate above 5%", description: "7.2% of requests failed" },
  alerts: [{ labels: { alertname: "HighErrorRate" } }],
});

describe("POST /v1/process creates incidents by the seed's rules", () => {
  let service: TestService;
  let account: Awaited<ReturnType<TestService["account"]>>;

  beforeAll(async () => {
    service = await startTestService("process201");
    account = await service.account({
      titleKey: "commonAnnotations.summary",
      descriptionKey: "commonAnnotations.description",
    });
  });
  afterAll(() => service.close());

  const send = (query: Record<string, string>, body = ALERTMANAGER, headers = {}) =>
    post(service, {
      query,
      body,
      headers: {
        "content-type": "application/json",
        ...bearer(account.globalToken.secret),
        ...headers,
      },
    });

  it("titles '<from> - <title key value>' with from=Prometheus (the seed's Prometheus example)", async () => {
    const response = await send({ from: "Prometheus" });
    expect(response.status).toBe(201);
    expect(response.json.triggered).toEqual({ created: true, duplicate: false });
    const [summary] = response.json.incidents;
    expect(summary).toMatchObject({
      title: "Prometheus - Error rate above 5%",
      status: "triggered",
      action: "created",
    });
    const stored = await storedIncident(service, account.account.id, summary.id);
    expect(stored.title).toBe("Prometheus - Error rate above 5%");
    expect(stored.description).toBe("7.2% of requests failed");
    expect(stored.source).toBe("Prometheus");
    expect(stored.bytes.toString("utf8")).toBe(ALERTMANAGER);
    expect(stored.payload.contentType).toBe("application/json");
  });

  it("titles '<title key value>' alone without from", async () => {
    const response = await send({});
    expect(response.json.incidents[0].title).toBe("Error rate above 5%");
  });

  it("titles 'Incident from Prometheus' and describes with the whole payload when the key is missing", async () => {
    const body = JSON.stringify({ status: "firing", other: 1 });
    const response = await send({ from: "Prometheus" }, body);
    expect(response.status).toBe(201);
    const stored = await storedIncident(service, account.account.id, response.json.incidents[0].id);
    expect(stored.title).toBe("Incident from Prometheus");
    expect(stored.description).toBe(body);
  });

  it("titles 'Incident from unknown source' with neither key nor from", async () => {
    const response = await send({}, "{}");
    expect(response.json.incidents[0].title).toBe("Incident from unknown source");
  });

  it("treats malformed JSON as a text payload, never a 400", async () => {
    const body = '{"status": "firing", "commonAnnotations": {"summary": ';
    const response = await send({ from: "Zabbix" }, body);
    expect(response.status).toBe(201);
    const stored = await storedIncident(service, account.account.id, response.json.incidents[0].id);
    expect(stored.title).toBe("Incident from Zabbix");
    expect(stored.description).toBe(body);
    expect(stored.bytes.toString("utf8")).toBe(body);
  });

  it("treats an empty 'from' as absent and trims it", async () => {
    expect((await send({ from: "   " }, "{}")).json.incidents[0].title).toBe(
      "Incident from unknown source",
    );
    expect((await send({ from: "  Grafana " }, "{}")).json.incidents[0].title).toBe(
      "Incident from Grafana",
    );
  });

  it.each([
    ["application/json", '{"commonAnnotations":{"summary":"json"}}', "json", undefined],
    [
      "application/vnd.alert+json",
      '{"commonAnnotations":{"summary":"vendor json"}}',
      "vendor json",
      undefined,
    ],
    ["application/json; charset=utf-8", '{"commonAnnotations":{"summary":"ü"}}', "ü", undefined],
    ["text/plain", "disk full on db-1", "Incident from unknown source", "disk full on db-1"],
    ["text/csv", "a,b\n1,2", "Incident from unknown source", "a,b\n1,2"],
    [
      "application/x-www-form-urlencoded",
      "alert=down&host=web-1",
      "Incident from unknown source",
      "alert=down&host=web-1",
    ],
    [
      "application/xml",
      "<alert><host>web-1</host></alert>",
      "Incident from unknown source",
      "<alert><host>web-1</host></alert>",
    ],
    [undefined, "no content type at all", "Incident from unknown source", "no content type at all"],
  ])("accepts %s", async (contentType, body, title, description) => {
    const response = await post(service, {
      body,
      headers: {
        ...(contentType ? { "content-type": contentType } : {}),
        ...bearer(account.globalToken.secret),
      },
    });
    expect(response.status).toBe(201);
    const stored = await storedIncident(service, account.account.id, response.json.incidents[0].id);
    expect(stored.title).toBe(title);
    if (description !== undefined) expect(stored.description).toBe(description);
    expect(stored.bytes.toString("utf8")).toBe(body);
  });

  it("keeps the bytes of an unsupported content type but reads it as an empty payload", async () => {
    const bytes = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x00, 0xff, 0x10]);
    const response = await post(service, {
      query: { from: "camera" },
      body: bytes,
      headers: { "content-type": "image/png", ...bearer(account.globalToken.secret) },
    });
    expect(response.status).toBe(201);
    const stored = await storedIncident(service, account.account.id, response.json.incidents[0].id);
    expect(stored.title).toBe("Incident from camera");
    expect(stored.description).toBe("");
    expect([...stored.bytes]).toEqual([...bytes]);
    expect(stored.payload.contentType).toBe("image/png");
  });

  it("accepts an empty body", async () => {
    const response = await post(service, { headers: bearer(account.globalToken.secret) });
    expect(response.status).toBe(201);
    const stored = await storedIncident(service, account.account.id, response.json.incidents[0].id);
    expect(stored.title).toBe("Incident from unknown source");
    expect(stored.description).toBe("");
    expect(stored.bytes.length).toBe(0);
  });

  it("stores $-prefixed and dotted keys, nested arrays and escaped NULs byte-exact", async () => {
    const body =
      '{"$where":"1","a.b":{"$gt":[[1,[2,[3]]]]},"nul":"x\\u0000y","commonAnnotations":{"summary":"odd\\u0000one"}}';
    const response = await send({ from: "fuzz" }, body);
    expect(response.status).toBe(201);
    const stored = await storedIncident(service, account.account.id, response.json.incidents[0].id);
    expect(stored.bytes.toString("utf8")).toBe(body);
    expect(stored.title).toBe("fuzz - odd\u0000one");
  });

  it("stores a text payload with raw NUL bytes byte-exact, and as its description", async () => {
    const body = Buffer.from("before\u0000after\u0000", "utf8");
    const response = await post(service, {
      body,
      headers: { "content-type": "text/plain", ...bearer(account.globalToken.secret) },
    });
    expect(response.status).toBe(201);
    const stored = await storedIncident(service, account.account.id, response.json.incidents[0].id);
    expect(stored.bytes.equals(body)).toBe(true);
    expect(stored.description).toBe("before\u0000after\u0000");
  });

  it("answers under the /sqibs-api prefix exactly as at the root", async () => {
    const response = await post(service, {
      path: "/sqibs-api/v1/process",
      query: { from: "Prometheus" },
      body: ALERTMANAGER,
      headers: { "content-type": "application/json", ...bearer(account.globalToken.secret) },
    });
    expect(response.status).toBe(201);
    expect(response.json.incidents[0].title).toBe("Prometheus - Error rate above 5%");
  });

  it("numbers incidents per account 1, 2, 3…", async () => {
    const other = await service.account({ accountName: "Numbers Inc" });
    const numbers: number[] = [];
    for (let i = 0; i < 3; i += 1) {
      const response = await post(service, {
        body: `x${i}`,
        headers: bearer(other.globalToken.secret),
      });
      numbers.push(response.json.incidents[0].number);
    }
    expect(numbers).toEqual([1, 2, 3]);
  });

  it.each(["ja", "de", "ar", "pt-BR", "zh-TW", "xx-unknown"])(
    "writes default titles in the account's language (%s)",
    async (language) => {
      const localized = await service.account({ accountName: `Lang ${language}`, language });
      const withFrom = await post(service, {
        query: { from: "Prometheus" },
        body: "down",
        headers: bearer(localized.globalToken.secret),
      });
      const withoutFrom = await post(service, {
        body: "down",
        headers: bearer(localized.globalToken.secret),
      });
      expect(withFrom.json.incidents[0].title).toBe(
        defaultTitle(language, "incident", "Prometheus"),
      );
      expect(withoutFrom.json.incidents[0].title).toBe(
        defaultTitle(language, "incident", undefined),
      );
      if (language !== "xx-unknown")
        expect(withFrom.json.incidents[0].title).not.toBe("Incident from Prometheus");
    },
  );

  it("writes the exact Japanese, German, Arabic and Brazilian Portuguese titles", async () => {
    const expected: Record<string, string> = {
      ja: "Prometheusからのインシデント",
      de: "Vorfall von Prometheus",
      ar: "حادث من \u2068Prometheus\u2069",
      "pt-BR": "Incidente de Prometheus",
    };
    for (const [language, title] of Object.entries(expected)) {
      const localized = await service.account({ accountName: `Exact ${language}`, language });
      const response = await post(service, {
        query: { from: "Prometheus" },
        body: "down",
        headers: bearer(localized.globalToken.secret),
      });
      expect(response.json.incidents[0].title).toBe(title);
    }
  });
});
