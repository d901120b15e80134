/**
 * The seed document (seeds/callgoose-api-endpoint.txt), rule by rule and example by example.
 * Token placement (Bearer header or `token` URL parameter) never affects titles, so each example
 * URL is reduced to its `from` parameter.
 *
 * The seed's examples say "Incident from unspecified source" / "Request from unspecified source";
 * that is a wording slip for the seed's own rule text ("unknown source"), and docs/product.md §3–4
 * make "unknown source" normative.
 */
import { describe, expect, it } from "vitest";
import { incidentText, requestText } from "../titles.js";
import { payloadOf, prometheusAlert } from "./helpers.js";

const fromOf = (url: string) => new URL(url).searchParams.get("from") ?? undefined;

describe("seed: incident title", () => {
  const payload = payloadOf({ alert: "Disk full", details: "db-1 at 99%" });
  it.each([
    [
      "JSON holds the title key, with from: '<from> - <value>'",
      "Nagios",
      "alert",
      "Nagios - Disk full",
    ],
    ["JSON holds the title key, no from: '<value>'", undefined, "alert", "Disk full"],
    [
      "JSON lacks the title key, with from: 'Incident from <from>'",
      "Nagios",
      "nope",
      "Incident from Nagios",
    ],
    [
      "JSON lacks the title key, no from: 'Incident from unknown source'",
      undefined,
      "nope",
      "Incident from unknown source",
    ],
  ])("%s", (_rule, from, titleKey, title) => {
    expect(incidentText({ payload, from, titleKey, language: "en" }).title).toBe(title);
  });

  it.each([
    ["with from", "Nagios", "Incident from Nagios"],
    ["no from", undefined, "Incident from unknown source"],
  ])("payload is not JSON, %s", (_rule, from, title) => {
    const text = payloadOf("alert: Disk full", "text/plain");
    expect(incidentText({ payload: text, from, titleKey: "alert", language: "en" }).title).toBe(
      title,
    );
  });
});

describe("seed: incident description", () => {
  const body = { alert: "Disk full", details: "db-1 at 99%" };
  it.each([
    ["JSON holds the description key: its value", payloadOf(body), "details", "db-1 at 99%"],
    ["JSON lacks the description key: the payload", payloadOf(body), "nope", JSON.stringify(body)],
    ["not JSON: the payload", payloadOf("details: x", "text/plain"), "details", "details: x"],
    [
      "malformed JSON: the payload",
      payloadOf('{"details":', "application/json"),
      "details",
      '{"details":',
    ],
  ])("%s", (_rule, payload, descriptionKey, description) => {
    expect(incidentText({ payload, descriptionKey, language: "en" }).description).toBe(description);
  });
});

describe("seed: incident example URLs", () => {
  const payload = payloadOf({ title: "Disk full" });
  it.each([
    ["https://x.callgoose.com/v1/process", "Disk full", "Incident from unknown source"],
    [
      "https://x.callgoose.com/v1/process?from=FromValue",
      "FromValue - Disk full",
      "Incident from FromValue",
    ],
    ["https://x.callgoose.com/v1/process?token=xxxx", "Disk full", "Incident from unknown source"],
    [
      "https://x.callgoose.com/v1/process?from=FromValue&token=xxxx",
      "FromValue - Disk full",
      "Incident from FromValue",
    ],
  ])("%s", (url, withKey, withoutKey) => {
    const from = fromOf(url);
    expect(incidentText({ payload, from, titleKey: "title", language: "en" }).title).toBe(withKey);
    expect(incidentText({ payload, from, titleKey: "nope", language: "en" }).title).toBe(
      withoutKey,
    );
  });
});

describe("seed: Prometheus example URLs", () => {
  const payload = payloadOf(prometheusAlert);
  it.each([
    ["https://x.callgoose.com/v1/process?from=Prometheus"],
    ["https://x.callgoose.com/v1/process?from=Prometheus&token=xxxx"],
  ])("%s", (url) => {
    const from = fromOf(url);
    const titleOf = (titleKey: string) =>
      incidentText({ payload, from, titleKey, language: "en" }).title;
    expect(titleOf("commonLabels.alertname")).toBe("Prometheus - HighCPU");
    expect(titleOf("alerts.0.annotations.summary")).toBe("Prometheus - CPU above 90% on node-1");
    expect(titleOf("commonLabels.nope")).toBe("Incident from Prometheus");
  });
});

describe("seed: request example URLs", () => {
  const payload = payloadOf({ task: "restart db-1" });
  it.each([
    ["https://x.callgoose.com/v1/request", "Request from unknown source"],
    ["https://x.callgoose.com/v1/request?from=FromValue", "Request from FromValue"],
    ["https://x.callgoose.com/v1/request?token=xxxx", "Request from unknown source"],
    ["https://x.callgoose.com/v1/request?from=FromValue&token=xxxx", "Request from FromValue"],
  ])("%s", (url, title) => {
    expect(requestText({ payload, from: fromOf(url), language: "en" })).toEqual({
      title,
      description: '{"task":"restart db-1"}',
    });
  });
});
