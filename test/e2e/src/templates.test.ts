import type { Urgency } from "@sqibs/domain";
import { INTEGRATION_TEMPLATES } from "@sqibs/templates";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type Account,
  accountWithTemplate,
  fixtureJson,
  fixtureText,
  type Send,
  sendToProcess,
  startTestService,
  storedIncident,
  type TestService,
  template,
} from "./support.js";

/** What a fixture must open: the incident's exact title, description and urgency. */
interface Opens {
  fixture: string;
  title: string;
  description: string;
  urgency: Urgency;
  correlationKey: string;
}

interface Scenario {
  template: string;
  contentType: string;
  /** Better Stack's webhook takes a URL alone: the token rides in the URL, as its guide says. */
  tokenInUrl?: boolean;
  trigger: Opens;
  /** The same alert again (other timestamps and values): a duplicate of the open incident. */
  repeat: { fixture: string; headers?: Record<string, string> };
  /** Resolves the incident; none for plain text (see its template). */
  resolve?: string;
  /** Further payloads of the tool, each opening an incident of its own. */
  others?: Opens[];
}

const grafana = fixtureJson("grafana/trigger.json");
const zabbix = fixtureJson("zabbix/trigger.json");
const zabbixWarning = fixtureJson("zabbix/warning.json");
const datadog = fixtureJson("datadog/trigger.json");
const datadogWarn = fixtureJson("datadog/warn.json");

const SCENARIOS: Scenario[] = [
  {
    template: "prometheus-alertmanager",
    contentType: "application/json",
    trigger: {
      fixture: "trigger.json",
      title: "Prometheus - Disk almost full on db-1:/var/lib/postgresql",
      description:
        "Filesystem /var/lib/postgresql on db-1 has 4.2% space left (19.8 GiB of 471 GiB).",
      urgency: "high",
      correlationKey: '{}:{alertname="DiskSpaceLow", cluster="prod-eu-1", service="postgres"}',
    },
    repeat: { fixture: "repeat.json" },
    resolve: "resolve.json",
    others: [
      {
        // Severity warning, and the alerts share no summary or description.
        fixture: "warning-without-summary.json",
        title: "Prometheus - HighRequestLatency",
        description: fixtureText("prometheus-alertmanager/warning-without-summary.json"),
        urgency: "low",
        correlationKey:
          '{}:{alertname="HighRequestLatency", cluster="prod-eu-1", service="checkout"}',
      },
    ],
  },
  {
    template: "grafana",
    contentType: "application/json",
    trigger: {
      fixture: "trigger.json",
      title: "Grafana - [FIRING:1] High CPU usage Infrastructure (web-01 critical)",
      description: grafana.message,
      urgency: "high",
      correlationKey: grafana.groupKey,
    },
    repeat: { fixture: "repeat.json" },
    resolve: "resolve.json",
  },
  {
    template: "zabbix",
    contentType: "application/json",
    trigger: {
      fixture: "trigger.json",
      title: "Zabbix - Problem: Linux: High CPU utilization (over 90% for 5m)",
      description: zabbix.message,
      urgency: "high",
      correlationKey: "3417",
    },
    repeat: { fixture: "repeat.json" },
    resolve: "resolve.json",
    others: [
      {
        fixture: "warning.json",
        title: "Zabbix - Problem: Linux: /var: Disk space is low (used > 80%)",
        description: zabbixWarning.message,
        urgency: "low",
        correlationKey: "3502",
      },
    ],
  },
  {
    template: "datadog",
    contentType: "application/json",
    trigger: {
      fixture: "trigger.json",
      title: "Datadog - [Triggered on {host:web-01}] High CPU on web-01",
      description: datadog.body,
      urgency: "high",
      correlationKey: "9bd4ac313a4d1e8fae2482df7b77628c",
    },
    repeat: { fixture: "repeat.json" },
    resolve: "resolve.json",
    others: [
      {
        fixture: "warn.json",
        title: "Datadog - [Warn on {host:db-1}] Disk usage high on db-1",
        description: datadogWarn.body,
        urgency: "low",
        correlationKey: "1c7f3e9b2a6d4c8e0f1a2b3c4d5e6f70",
      },
    ],
  },
  {
    template: "uptime-kuma",
    contentType: "application/json",
    trigger: {
      fixture: "trigger.json",
      title: "Uptime Kuma - Shop API",
      description: "Request failed with status code 503",
      urgency: "high",
      correlationKey: "7",
    },
    repeat: { fixture: "repeat.json" },
    resolve: "resolve.json",
  },
  {
    template: "better-stack",
    contentType: "application/json",
    tokenInUrl: true,
    trigger: {
      fixture: "trigger.json",
      title: "Better Stack - Shop homepage",
      description: "Status 503",
      urgency: "high",
      correlationKey: "518003729",
    },
    repeat: { fixture: "repeat.json" },
    resolve: "resolve.json",
  },
  {
    template: "generic-json",
    contentType: "application/json",
    trigger: {
      fixture: "trigger.json",
      title: "Webhook - Nightly backup of db1 failed",
      description:
        "pg_dump exited with status 1: could not write to output file: No space left on device",
      urgency: "high",
      correlationKey: "backup-db1",
    },
    repeat: { fixture: "repeat.json" },
    resolve: "resolve.json",
    others: [
      {
        fixture: "low-urgency.json",
        title: "Webhook - TLS certificate of shop.example.com expires in 20 days",
        description: fixtureText("generic-json/low-urgency.json"),
        urgency: "low",
        correlationKey: "cert-shop",
      },
    ],
  },
  {
    template: "plain-text",
    contentType: "text/plain",
    trigger: {
      fixture: "trigger.txt",
      title: "Incident from cron",
      description: fixtureText("plain-text/trigger.txt"),
      urgency: "high",
      correlationKey: fixtureText("plain-text/trigger.txt"),
    },
    // The next run failing the same way: the same text, after the retry window. A fresh
    // Idempotency-Key stands in for the wait (an identical body within 120 s is a retry).
    repeat: { fixture: "repeat.txt", headers: { "idempotency-key": "cron-run-2" } },
    others: [
      {
        fixture: "other.txt",
        title: "Incident from cron",
        description: fixtureText("plain-text/other.txt"),
        urgency: "high",
        correlationKey: fixtureText("plain-text/other.txt"),
      },
    ],
  },
];

describe("integration templates: the tools' payloads through a running service", () => {
  let service: TestService;

  beforeAll(async () => {
    service = await startTestService("templates");
  });
  afterAll(() => service?.close());

  it("covers every template", () => {
    expect(SCENARIOS.map((s) => s.template).sort()).toEqual(
      INTEGRATION_TEMPLATES.map((t) => t.name).sort(),
    );
  });

  describe.each(SCENARIOS.map((s) => [s.template, s] as const))("%s", (name, scenario) => {
    let account: Account;
    let incidentId: string;

    const send = (fixture: string, headers: Record<string, string> = {}) => {
      const request: Send = {
        body: fixtureText(`${name}/${fixture}`),
        contentType: scenario.contentType,
        from: template(name).from,
        token: account.globalToken.secret,
        headers,
      };
      if (scenario.tokenInUrl) request.tokenInUrl = true;
      return sendToProcess(service, request);
    };

    /** Sends the fixture, expects a new incident as `opens` says, and returns its id. */
    const expectOpens = async (opens: Opens): Promise<string> => {
      const answer = await send(opens.fixture);
      expect(answer.status, answer.text).toBe(201);
      expect(answer.json.triggered).toEqual({ created: true, duplicate: false });
      expect(answer.json.incidents).toHaveLength(1);
      const summary = answer.json.incidents[0];
      expect(summary).toMatchObject({
        action: "created",
        status: "triggered",
        title: opens.title,
        urgency: opens.urgency,
        correlationKey: opens.correlationKey,
      });
      const stored = await storedIncident(service, account, summary.id);
      expect(stored.title).toBe(opens.title);
      expect(stored.description).toBe(opens.description);
      expect(stored.urgency).toBe(opens.urgency);
      expect(stored.source).toBe(template(name).from);
      expect(stored.eventCount).toBe(1);
      return summary.id;
    };

    beforeAll(async () => {
      account = await accountWithTemplate(service, name);
    });

    it(`opens an incident from ${scenario.trigger.fixture} with the exact title, description and urgency`, async () => {
      incidentId = await expectOpens(scenario.trigger);
    });

    it(`adds ${scenario.repeat.fixture} to that incident as a duplicate`, async () => {
      const answer = await send(scenario.repeat.fixture, scenario.repeat.headers);
      expect(answer.status, answer.text).toBe(200);
      expect(answer.json.replayed).toBeUndefined();
      expect(answer.json.triggered).toEqual({ created: false, duplicate: true });
      expect(answer.json.incidents).toEqual([
        expect.objectContaining({ id: incidentId, action: "duplicate", status: "triggered" }),
      ]);
      const stored = await storedIncident(service, account, incidentId);
      expect(stored.eventCount).toBe(2);
      expect(stored.title).toBe(scenario.trigger.title);
    });

    if (scenario.resolve) {
      const resolve = scenario.resolve;
      it(`resolves it with ${resolve}`, async () => {
        const answer = await send(resolve);
        expect(answer.status, answer.text).toBe(200);
        expect(answer.json.resolved).toEqual({ resolved: true, duplicate: false });
        expect(answer.json.incidents).toEqual([
          expect.objectContaining({ id: incidentId, action: "resolved", status: "resolved" }),
        ]);
        const stored = await storedIncident(service, account, incidentId);
        expect(stored.status).toBe("resolved");
        expect(stored.events.map((event) => event.type)).toEqual([
          "triggered",
          "duplicate",
          "resolved",
        ]);
      });
    } else {
      it("leaves it open: the template has no resolve", async () => {
        expect(template(name).filter.resolve).toBeUndefined();
        expect((await storedIncident(service, account, incidentId)).status).toBe("triggered");
      });
    }

    for (const other of scenario.others ?? []) {
      it(`opens a separate incident from ${other.fixture}`, async () => {
        const id = await expectOpens(other);
        expect(id).not.toBe(incidentId);
      });
    }
  });

  it("ignores an Uptime Kuma pending heartbeat (202, nothing stored)", async () => {
    const account = await accountWithTemplate(service, "uptime-kuma");
    const answer = await sendToProcess(service, {
      body: fixtureText("uptime-kuma/pending.json"),
      contentType: "application/json",
      from: "Uptime Kuma",
      token: account.globalToken.secret,
    });
    expect(answer.status, answer.text).toBe(202);
    expect(answer.json).toMatchObject({ reason: "no-filter-passed", incidents: [] });
  });
});
