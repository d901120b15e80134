import { defaultTitle, unclosedIsolates } from "@sqibs/i18n";
import { describe, expect, it } from "vitest";
import {
  incidentText,
  MAX_TITLE_LENGTH,
  normalizeFrom,
  requestText,
  truncateTitle,
} from "../titles.js";
import { payloadOf } from "./helpers.js";

const codePoints = (text: string) => [...text].length;

describe("normalizeFrom", () => {
  it.each([
    [undefined, undefined],
    [null, undefined],
    ["", undefined],
    ["   ", undefined],
    [" Prometheus ", "Prometheus"],
    ["Grafana OnCall", "Grafana OnCall"],
    // Explicit directional formatting is removed before trimming and the emptiness test.
    ["\u202E[prod] C++\u202C", "[prod] C++"],
    ["\u2067evil\u2069 12 alerts", "evil 12 alerts"],
    [" \u2066 Prometheus \u2069 ", "Prometheus"],
    ["a\u202Ab\u202Bc\u202Dd\u2068e", "abcde"],
    ["\u202A\u202B\u202C\u202D\u202E\u2066\u2067\u2068\u2069", undefined],
    [" \u202E ", undefined],
    // Implicit marks stay (they open no scope).
    ["שרת C++\u200E", "שרת C++\u200E"],
    ["\u200FPrometheus", "\u200FPrometheus"],
  ])("%j -> %j", (from, expected) => {
    expect(normalizeFrom(from)).toBe(expected);
  });
});

describe("truncateTitle", () => {
  const ascii = "a".repeat(MAX_TITLE_LENGTH);
  it.each([
    ["short titles as they are", "Disk full", "Disk full"],
    ["exactly 1,024 characters as they are", ascii, ascii],
    ["1,025 characters cut to 1,024", `${ascii}b`, ascii],
    ["1,024 astral characters (2,048 code units) kept", "😀".repeat(1024), "😀".repeat(1024)],
    ["astral characters cut by code point", "😀".repeat(1500), "😀".repeat(1024)],
    ["an emoji across the boundary not split", `${"a".repeat(1023)}😀😀`, `${"a".repeat(1023)}😀`],
    [
      "a skin-tone emoji across the boundary dropped whole",
      `${"a".repeat(1023)}👍🏽tail`,
      "a".repeat(1023),
    ],
    ["a flag across the boundary dropped whole", `${"a".repeat(1023)}🇩🇪 tail`, "a".repeat(1023)],
    [
      "a ZWJ family across the boundary dropped whole",
      `${"a".repeat(1021)}👨‍👩‍👧 tail`,
      "a".repeat(1021),
    ],
    ["a combining mark kept with its letter", `${"a".repeat(1023)}e\u0301x`, "a".repeat(1023)],
    ["CJK cut by character", "漢".repeat(2000), "漢".repeat(1024)],
    ["RTL cut by character", "ع".repeat(2000), "ع".repeat(1024)],
  ])("%s", (_name, title, expected) => {
    const cut = truncateTitle(title);
    expect(cut).toBe(expected);
    expect(codePoints(cut)).toBeLessThanOrEqual(MAX_TITLE_LENGTH);
  });

  it.each([
    ["an isolated name cut inside", `حادث من \u2068${"x".repeat(2000)}\u2069`, 1],
    ["two nested isolates cut inside", `\u2068a\u2067${"x".repeat(2000)}\u2069\u2069`, 2],
  ])("closes %s, within the limit", (_name, title, open) => {
    const cut = truncateTitle(title);
    expect(codePoints(cut)).toBe(MAX_TITLE_LENGTH);
    expect(cut.endsWith("\u2069".repeat(open))).toBe(true);
    expect(cut.slice(0, -open)).toBe(title.slice(0, cut.length - open));
    expect(unclosedIsolates(cut)).toBe(0);
  });

  it("keeps an isolate closed before the cut as it is", () => {
    const title = `حادث من \u2068[prod]\u2069 ${"x".repeat(2000)}`;
    expect(truncateTitle(title)).toBe(title.slice(0, MAX_TITLE_LENGTH));
  });

  it("cuts a single huge grapheme cluster by code point", () => {
    const zalgo = `a${"\u0301".repeat(2000)}`;
    expect(codePoints(truncateTitle(zalgo))).toBe(MAX_TITLE_LENGTH);
  });

  it("never leaves a lone surrogate", () => {
    for (let prefix = 1000; prefix < 1030; prefix++) {
      const cut = truncateTitle(`${"a".repeat(prefix)}${"😀".repeat(40)}`);
      expect(cut.isWellFormed()).toBe(true);
    }
  });
});

describe("incidentText", () => {
  const json = payloadOf({ title: "Disk full", body: { text: "db-1 at 99%" }, n: 7, ok: false });
  it.each([
    ["from and title key", "Zabbix", "title", "Zabbix - Disk full"],
    ["title key without from", undefined, "title", "Disk full"],
    ["blank from counts as absent", "  ", "title", "Disk full"],
    ["from is trimmed", "  Zabbix ", "title", "Zabbix - Disk full"],
    ["a number title", "Zabbix", "n", "Zabbix - 7"],
    ["a boolean title", undefined, "ok", "false"],
    ["an object title", undefined, "body", '{"text":"db-1 at 99%"}'],
    ["missing key with from", "Zabbix", "nope", "Incident from Zabbix"],
    ["missing key without from", undefined, "nope", "Incident from unknown source"],
    ["no title key", "Zabbix", undefined, "Incident from Zabbix"],
  ])("%s", (_name, from, titleKey, title) => {
    expect(incidentText({ payload: json, from, titleKey, language: "en" }).title).toBe(title);
  });

  it.each([
    ["value of the description key", "body.text", "db-1 at 99%"],
    ["an object description", "body", '{"text":"db-1 at 99%"}'],
    ["missing description key: the whole payload", "nope", json.text],
    ["no description key: the whole payload", undefined, json.text],
  ])("%s", (_name, descriptionKey, description) => {
    expect(incidentText({ payload: json, descriptionKey, language: "en" }).description).toBe(
      description,
    );
  });

  it("a non-JSON payload never reads keys", () => {
    const text = payloadOf("title=Disk full", "text/plain");
    expect(
      incidentText({ payload: text, titleKey: "title", descriptionKey: "title", language: "en" }),
    ).toEqual({
      title: "Incident from unknown source",
      description: "title=Disk full",
    });
  });

  it("a non-text content type has an empty description", () => {
    const binary = payloadOf('{"title":"x"}', "application/octet-stream");
    expect(
      incidentText({ payload: binary, from: "S3", titleKey: "title", language: "en" }),
    ).toEqual({
      title: "Incident from S3",
      description: "",
    });
  });

  it("the description is never truncated", () => {
    const long = "x".repeat(5000);
    const payload = payloadOf({ title: long, body: long });
    const text = incidentText({
      payload,
      titleKey: "title",
      descriptionKey: "body",
      language: "en",
    });
    expect(text.title).toHaveLength(MAX_TITLE_LENGTH);
    expect(text.description).toBe(long);
  });

  it("a long from is cut with the title", () => {
    const text = incidentText({ payload: json, from: "f".repeat(2000), language: "en" });
    expect(codePoints(text.title)).toBe(MAX_TITLE_LENGTH);
  });

  it.each([
    ["CJK", "监控", "磁盘已满", "监控 - 磁盘已满"],
    ["RTL", "مراقبة", "القرص ممتلئ", "مراقبة - القرص ممتلئ"],
  ])("%s values are kept as they are", (_name, from, value, title) => {
    const payload = payloadOf({ t: value });
    expect(incidentText({ payload, from, titleKey: "t", language: "en" }).title).toBe(title);
  });

  it.each(["en", "de", "ja", "zh-CN", "ar", "xx-unknown"])("default titles in %s", (language) => {
    const noKey = { payload: json, titleKey: "nope", language };
    expect(incidentText({ ...noKey, from: "Prometheus" }).title).toBe(
      defaultTitle(language, "incident", "Prometheus"),
    );
    expect(incidentText(noKey).title).toBe(defaultTitle(language, "incident", undefined));
  });

  it.each([
    ["ar", "[prod] C++", "حادث من \u2068[prod] C++\u2069"],
    ["ar", "\u202E[prod] C++\u202C", "حادث من \u2068[prod] C++\u2069"],
    ["he", "12 alerts", "תקרית מ-\u206812 alerts\u2069"],
    ["he", " \u2067evil\u2069 12 ", "תקרית מ-\u2068evil 12\u2069"],
    ["fa", "12 alerts", "رخداد از \u206812 alerts\u2069"],
    ["fa", "\u2066\u2066open", "رخداد از \u2068open\u2069"],
    ["he", "\u202E \u2069", "תקרית ממקור לא ידוע"],
    ["en", "\u202E[prod] C++", "Incident from [prod] C++"],
    ["ta", "Prometheus", "Prometheus-இலிருந்து வந்த சம்பவம்"],
  ])("the %s default title from %j is %j", (language, from, title) => {
    expect(incidentText({ payload: json, from, titleKey: "nope", language }).title).toBe(title);
  });

  it.each([
    ["ar", "حادث من \u2068"],
    ["he", "תקרית מ-\u2068"],
    ["fa", "رخداد از \u2068"],
  ])("a long name in %s is cut inside its isolate, which stays closed", (language, start) => {
    const title = incidentText({ payload: json, from: "f".repeat(2000), language }).title;
    expect(codePoints(title)).toBe(MAX_TITLE_LENGTH);
    expect(title.startsWith(start)).toBe(true);
    expect(title.endsWith("f\u2069")).toBe(true);
    expect(unclosedIsolates(title)).toBe(0);
  });

  it.each([
    ["en", "\u202EZabbix\u202C", "Zabbix - Disk full"],
    ["ar", "\u2067Zabbix", "Zabbix - Disk full"],
  ])("a %s value title uses the cleaned from %j", (language, from, title) => {
    expect(incidentText({ payload: json, from, titleKey: "title", language }).title).toBe(title);
  });

  it("the value title is not localized", () => {
    expect(
      incidentText({ payload: json, from: "Zabbix", titleKey: "title", language: "ja" }).title,
    ).toBe("Zabbix - Disk full");
  });

  it("an empty payload", () => {
    expect(incidentText({ payload: payloadOf("", "text/plain"), language: "en" })).toEqual({
      title: "Incident from unknown source",
      description: "",
    });
  });
});

describe("requestText", () => {
  it.each([
    ["with from", "Jenkins", "Request from Jenkins"],
    ["without from", undefined, "Request from unknown source"],
    ["blank from", " ", "Request from unknown source"],
    ["from of directional formatting only", "\u202E\u2066", "Request from unknown source"],
  ])("%s", (_name, from, title) => {
    const payload = payloadOf("please restart db-1", "text/plain");
    expect(requestText({ payload, from, language: "en" })).toEqual({
      title,
      description: "please restart db-1",
    });
  });

  it.each([
    ["a string workflowId", { workflowId: "wf-42" }, "wf-42"],
    ["a number workflowId", { workflowId: 42 }, "42"],
    ["a blank workflowId", { workflowId: " " }, undefined],
    ["no workflowId", { other: 1 }, undefined],
  ])("%s", (_name, body, workflowId) => {
    const payload = payloadOf(body);
    const text = requestText({ payload, language: "en" });
    expect(text.workflowId).toBe(workflowId);
    expect(Object.hasOwn(text, "workflowId")).toBe(workflowId !== undefined);
    expect(text.description).toBe(JSON.stringify(body));
  });

  it.each([
    ["ar", "\u202E[prod] C++", "طلب من \u2068[prod] C++\u2069"],
    ["he", "12 alerts", "בקשה מ-\u206812 alerts\u2069"],
    ["fa", "[prod] C++\u2069", "درخواست از \u2068[prod] C++\u2069"],
    ["ta", "[prod] C++", "[prod] C++-இலிருந்து வந்த கோரிக்கை"],
  ])("the %s title from %j is %j", (language, from, title) => {
    const payload = payloadOf("x", "text/plain");
    expect(requestText({ payload, from, language }).title).toBe(title);
  });

  it.each(["de", "ja", "pt-BR", "xx"])("localized in %s", (language) => {
    const payload = payloadOf("x", "text/plain");
    expect(requestText({ payload, from: "Jenkins", language }).title).toBe(
      defaultTitle(language, "request", "Jenkins"),
    );
  });
});
