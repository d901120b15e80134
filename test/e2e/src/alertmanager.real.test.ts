import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freePort, waitFor } from "@sqibs/testing";
import { ObjectId } from "mongodb";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  ALERTMANAGER_VERSION,
  ensureAlertmanager,
  type RunningAlertmanager,
  startAlertmanager,
} from "./alertmanager.js";
import {
  type Account,
  accountWithTemplate,
  startTestService,
  storedIncident,
  type TestService,
} from "./support.js";

/**
 * A cold build compiles ~500 Go packages: 5 minutes on two idle cores, 9.5 on busy ones (cached
 * per user after that, when it takes no time).
 */
const BUILD_TIMEOUT_MS = 900_000;
/** Each step waits up to 30 s for a delivery; the test itself may take longer than that. */
const STEP_TIMEOUT_MS = 60_000;

describe(`a real Prometheus Alertmanager ${ALERTMANAGER_VERSION} posting to the service`, () => {
  let service: TestService;
  let account: Account;
  let alertmanager: RunningAlertmanager | undefined;
  let dir: string;
  const alertname = `SqibsE2EDiskFull${Date.now()}`;
  const summary = "Disk full on db-1:/var/lib/postgresql";
  const description = "Filesystem /var/lib/postgresql on db-1 has 0.4% space left.";

  beforeAll(async () => {
    const binary = await ensureAlertmanager((line) => process.stderr.write(`e2e: ${line}\n`));
    service = await startTestService("alertmanager");
    account = await accountWithTemplate(service, "prometheus-alertmanager");
    dir = mkdtempSync(join(tmpdir(), "sqibs-alertmanager-"));
    const receiverUrl = `${service.url}/v1/process?from=Prometheus`;
    alertmanager = await startAlertmanager({
      binary,
      dir,
      port: await freePort(),
      // JSON strings are YAML strings: the URL and the token need no further quoting.
      configYaml: `global:
  resolve_timeout: 1m
route:
  receiver: sqibs
  group_by: [alertname]
  group_wait: 1s
  group_interval: 1s
  repeat_interval: 1h
receivers:
  - name: sqibs
    webhook_configs:
      - url: ${JSON.stringify(receiverUrl)}
        send_resolved: true
        http_config:
          authorization:
            type: Bearer
            credentials: ${JSON.stringify(account.globalToken.secret)}
`,
    });
  }, BUILD_TIMEOUT_MS);

  afterAll(async () => {
    await alertmanager?.stop();
    if (alertmanager)
      expect(alertmanager.process.exitCode ?? alertmanager.process.signalCode).not.toBeNull();
    if (dir) rmSync(dir, { recursive: true, force: true });
    await service?.close();
  });

  /** Posts the alert to Alertmanager's API v2, as Prometheus does. */
  const postAlert = async (endsAt: Date, startsAt: Date) => {
    const response = await fetch(`${alertmanager?.url}/api/v2/alerts`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify([
        {
          labels: { alertname, severity: "critical", instance: "db-1:9100", job: "node" },
          annotations: { summary, description },
          startsAt: startsAt.toISOString(),
          endsAt: endsAt.toISOString(),
          generatorURL: "http://prometheus.example.com:9090/graph?g0.expr=disk_free",
        },
      ]),
    });
    expect(response.status, await response.text()).toBe(200);
  };

  const incidents = () =>
    service.deps.repositories.database.db
      .collection("incidents")
      .find({ accountId: new ObjectId(account.account.id) })
      .toArray();

  let incidentId: string;
  const startsAt = new Date();

  it(
    "delivers a firing alert as a high-urgency incident titled from its summary",
    async () => {
      await postAlert(new Date(startsAt.getTime() + 5 * 60_000), startsAt);
      const [opened] = await waitFor(
        `the incident (Alertmanager logs:\n${alertmanager?.logs()})`,
        async () => {
          const found = await incidents();
          return found.length ? found : undefined;
        },
      );
      incidentId = String(opened?._id);
      const stored = await storedIncident(service, account, incidentId);
      expect(stored).toMatchObject({
        title: `Prometheus - ${summary}`,
        description,
        urgency: "high",
        status: "triggered",
        source: "Prometheus",
        correlationKey: `{}:{alertname="${alertname}"}`,
      });
      const payload = JSON.parse(Buffer.from(stored.payload.body).toString("utf8"));
      expect(payload).toMatchObject({ version: "4", status: "firing", receiver: "sqibs" });
    },
    STEP_TIMEOUT_MS,
  );

  it(
    "resolves the incident when the alert ends",
    async () => {
      await postAlert(new Date(), startsAt);
      const resolved = await waitFor(
        `the resolve (Alertmanager logs:\n${alertmanager?.logs()})`,
        async () => {
          const stored = await storedIncident(service, account, incidentId);
          return stored.status === "resolved" ? stored : undefined;
        },
      );
      expect(resolved.events.map((event) => event.type).at(-1)).toBe("resolved");
      expect(await incidents()).toHaveLength(1);
    },
    STEP_TIMEOUT_MS,
  );
});
