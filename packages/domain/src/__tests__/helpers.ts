import { type Payload, readPayload } from "../payload.js";

const encoder = new TextEncoder();

export function bytes(text: string): Uint8Array {
  return encoder.encode(text);
}

/** A payload as the HTTP layer would read it (application/json unless told otherwise). */
export function payloadOf(body: unknown, contentType = "application/json"): Payload {
  const text = typeof body === "string" ? body : JSON.stringify(body);
  return readPayload(bytes(text), contentType);
}

/** An Alertmanager webhook body (what Prometheus sends through Alertmanager). */
export const prometheusAlert = {
  version: "4",
  groupKey: '{}:{alertname="HighCPU"}',
  status: "firing",
  receiver: "sqibs",
  groupLabels: { alertname: "HighCPU" },
  commonLabels: { alertname: "HighCPU", severity: "critical", instance: "node-1:9100" },
  commonAnnotations: { summary: "CPU above 90% on node-1" },
  externalURL: "http://alertmanager:9093",
  alerts: [
    {
      status: "firing",
      labels: { alertname: "HighCPU", severity: "critical", instance: "node-1:9100" },
      annotations: { summary: "CPU above 90% on node-1", description: "5m average 97%" },
      startsAt: "2025-01-01T00:00:00Z",
      endsAt: "0001-01-01T00:00:00Z",
      fingerprint: "c0ffee",
    },
  ],
};
