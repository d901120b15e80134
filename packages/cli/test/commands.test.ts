import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type {
  FilterTestResult,
  IncidentPage,
  IngestResult,
  IntegrationTemplate,
  IssuedToken,
  RequestPage,
  RequestResult,
  Service,
  Token,
} from "@sqibs/api-client";
import { INTEGRATION_TEMPLATES } from "@sqibs/templates";
import { freePort } from "@sqibs/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RunningService, sqibs, sqibsJson, startService } from "./support.js";

interface InitResult {
  service: { id: string };
  globalToken: { id: string; secret: string };
  adminToken: { id: string; secret: string };
}

describe("sqibs commands", () => {
  let service: RunningService;
  let init: InitResult;
  const files = mkdtempSync(join(tmpdir(), "sqibs-cli-"));
  const admin = () => ({ SQIBS_URL: service.url, SQIBS_TOKEN: init.adminToken.secret });
  const ingest = () => ({ SQIBS_URL: service.url, SQIBS_TOKEN: init.globalToken.secret });

  beforeAll(async () => {
    service = await startService("cli-commands");
    init = await sqibsJson<InitResult>(["init", "--name", "Acme"], {
      env: { MONGODB_URI: service.mongodbUri, MONGODB_DB: service.dbName },
    });
  });
  afterAll(() => service.stop());

  describe("send", () => {
    it("posts stdin to /v1/process, as text when it is not JSON", async () => {
      const run = await sqibs(["send", "--from", "nightly-backup"], {
        env: ingest(),
        input: "backup failed: exit code 2\n",
      });
      expect(run.code, run.stderr).toBe(0);
      expect(run.stdout).toMatch(
        /^201: 1 created, 0 duplicate, 0 resolved\n {2}#1 [0-9a-f]{24} created: Incident from nightly-backup\n$/,
      );
      const page = await sqibsJson<IncidentPage>(
        ["incidents", "list", "--source", "nightly-backup"],
        {
          env: admin(),
        },
      );
      expect(page.items).toHaveLength(1);
      const shown = await sqibs(["incidents", "show", page.items[0]?.id ?? ""], { env: admin() });
      expect(shown.stdout).toContain(
        "Payload (text/plain; charset=utf-8):\n  backup failed: exit code 2",
      );
    });

    it("posts JSON from --file as application/json, with the token from --token", async () => {
      const file = join(files, "alert.json");
      writeFileSync(file, JSON.stringify({ alert: "disk", level: 3 }));
      const result = await sqibsJson<IngestResult>([
        "send",
        "--file",
        file,
        "--token",
        init.globalToken.secret,
        "--url",
        service.url,
      ]);
      expect(result.triggered.created).toBe(true);
      const incident = await sqibsJson<{ payload: { contentType: string; body: string } }>(
        ["incidents", "show", result.incidents[0]?.id ?? ""],
        { env: admin() },
      );
      expect(incident.payload).toMatchObject({
        contentType: "application/json",
        body: '{"alert":"disk","level":3}',
      });
    });

    it("--request creates a request", async () => {
      const result = await sqibsJson<RequestResult>(["send", "--request", "--from", "Jira"], {
        env: ingest(),
        input: '{"workflowId":"wf-7"}',
      });
      expect(result.request).toMatchObject({ title: "Request from Jira", workflowId: "wf-7" });
      const list = await sqibs(["requests", "list"], { env: admin() });
      expect(list.stdout).toMatch(/Request from Jira\s+wf-7\s+Jira/);
      const page = await sqibsJson<RequestPage>(["requests", "list", "--limit", "1"], {
        env: admin(),
      });
      expect(page.items.map((item) => item.id)).toEqual([result.id]);
    });

    it("exits non-zero with the problem's detail on a non-2xx", async () => {
      const revoked = await sqibs(["send"], {
        env: { SQIBS_URL: service.url, SQIBS_TOKEN: "sqibs_g_not_a_real_token" },
        input: "x",
      });
      expect(revoked.code).toBe(1);
      expect(revoked.stderr).toBe("sqibs: The API token is unknown or has been revoked.\n");
      const asAdmin = await sqibs(["send"], { env: admin(), input: "x" });
      expect(asAdmin.code).toBe(1);
      expect(asAdmin.stderr).toMatch(/^sqibs: .*admin token.*\n$/);
      const missing = await sqibs(["send", "--file", join(files, "nope.json")], { env: ingest() });
      expect(missing.stderr).toBe(`sqibs: cannot read ${join(files, "nope.json")}: ENOENT\n`);
    });
  });

  describe("services and filter", () => {
    it("services show; filter set from YAML and from JSON", async () => {
      const yaml = join(files, "filter.yaml");
      writeFileSync(
        yaml,
        [
          "triggers:",
          "  - urgency: low",
          "    conditions:",
          "      - { key: status, contains: [firing] }",
          "    correlationKey: groupKey",
          "resolve:",
          "  condition: { key: status, contains: [resolved] }",
          "  correlationKey: groupKey",
          "",
        ].join("\n"),
      );
      const set = await sqibs(["filter", "set", init.service.id, yaml], { env: admin() });
      expect(set.code, set.stderr).toBe(0);
      expect(set.stdout).toContain("API filter:");
      const shown = await sqibsJson<Service>(["services", "show", init.service.id], {
        env: admin(),
      });
      expect(shown.filter?.triggers[0]).toMatchObject({
        urgency: "low",
        correlationKey: "groupKey",
      });
      expect(shown.filter?.resolve?.condition.contains).toEqual(["resolved"]);

      const json = join(files, "filter.json");
      writeFileSync(json, JSON.stringify({ titleKey: "summary" }));
      const simple = await sqibsJson<Service>(["filter", "set", init.service.id, json], {
        env: admin(),
      });
      expect(simple).toMatchObject({ titleKey: "summary" });
      expect(simple.filter).toBeUndefined();
    });

    it("a filter over its limits fails with the field named", async () => {
      const file = join(files, "bad.yaml");
      writeFileSync(
        file,
        `triggers:\n  - urgency: high\n    conditions:\n      - { key: k, contains: ["${"x".repeat(51)}"] }\n`,
      );
      const run = await sqibs(["filter", "set", init.service.id, file], { env: admin() });
      expect(run.code).toBe(1);
      expect(run.stderr).toMatch(
        /^sqibs: triggers\[0\]\.conditions\[0\]\.contains\[0\]: .*50.*\n$/,
      );
      const notYaml = join(files, "list.yaml");
      writeFileSync(notYaml, "- a\n- b\n");
      const list = await sqibs(["filter", "set", init.service.id, notYaml], { env: admin() });
      expect(list.stderr).toMatch(/^sqibs: .* must hold an object/);
    });
  });

  describe("templates, maintenance and filter test", () => {
    const fixture = fileURLToPath(
      new URL("../../../test/fixtures/prometheus-alertmanager/trigger.json", import.meta.url),
    );
    // The catalogue's names and order are pinned by the templates package's own tests.
    const names = INTEGRATION_TEMPLATES.map((template) => template.name);

    it("templates list and show, with this service's address in the guide", async () => {
      const list = await sqibs(["templates", "list"], { env: admin() });
      expect(list.code, list.stderr).toBe(0);
      for (const name of names) expect(list.stdout).toMatch(new RegExp(`^${name}\\s`, "m"));
      const json = await sqibsJson<IntegrationTemplate[]>(["templates", "list"], { env: admin() });
      expect(json.map((template) => template.name)).toEqual(names);

      const show = await sqibs(["templates", "show", "prometheus-alertmanager"], { env: admin() });
      expect(show.code, show.stderr).toBe(0);
      expect(show.stdout).toMatch(/^Tool:\s+Prometheus Alertmanager$/m);
      expect(show.stdout).toContain("API filter:");
      expect(show.stdout).toContain(`url: "${service.url}/v1/process?from=Prometheus"`);
      expect(show.stdout).not.toContain("sqibs.example.com");

      const unknown = await sqibs(["templates", "show", "nagios"], { env: admin() });
      expect(unknown.code).toBe(1);
      expect(unknown.stderr).toBe(
        `sqibs: no integration template "nagios"; the templates are ${names.join(", ")}\n`,
      );
    });

    it("services create --template makes the service, prints the guide; its sender's trigger opens the incident", async () => {
      const run = await sqibs(
        ["services", "create", "--name", "Alertmanager", "--template", "prometheus-alertmanager"],
        { env: admin() },
      );
      expect(run.code, run.stderr).toBe(0);
      expect(run.stdout).toMatch(/^Template:\s+prometheus-alertmanager$/m);
      expect(run.stdout).toContain("Set up Prometheus Alertmanager");
      expect(run.stdout).toContain(`${service.url}/v1/process?from=Prometheus`);
      expect(run.stdout).toContain("send_resolved: true");
      const id = /^ID:\s+([0-9a-f]{24})$/m.exec(run.stdout)?.[1] ?? "";

      const created = await sqibsJson<Service>(
        ["services", "create", "AM 2", "--template", "prometheus-alertmanager"],
        { env: admin() },
      );
      expect(created).toMatchObject({ name: "AM 2", template: "prometheus-alertmanager" });
      expect(created.filter?.resolve?.correlationKey).toBe("groupKey");

      const token = await sqibsJson<IssuedToken>(
        ["tokens", "create", "am", "--scope", "service", "--service", id],
        { env: admin() },
      );
      const sent = await sqibsJson<IngestResult>(
        ["send", "--from", "Prometheus", "--file", fixture],
        { env: { SQIBS_URL: service.url, SQIBS_TOKEN: token.secret } },
      );
      expect(sent.incidents).toMatchObject([
        {
          serviceId: id,
          urgency: "high",
          title: "Prometheus - Disk almost full on db-1:/var/lib/postgresql",
        },
      ]);

      const unknown = await sqibs(["services", "create", "x", "--template", "nagios"], {
        env: admin(),
      });
      expect(unknown.code).toBe(1);
      // The names are in the contract (an enum): the CLI refuses another before any call.
      expect(unknown.stderr).toMatch(
        /^sqibs: option '--template <name>' argument 'nagios' is invalid\. Allowed choices are prometheus-alertmanager, .*plain-text\.\n$/,
      );
    });

    it("filter test, maintenance set/end, services disable/enable", async () => {
      const created = await sqibsJson<Service>(
        ["services", "create", "Trial", "--template", "prometheus-alertmanager"],
        { env: admin() },
      );
      const id = created.id;
      const trial = await sqibs(["filter", "test", id, "--file", fixture, "--from", "Prometheus"], {
        env: admin(),
      });
      expect(trial.code, trial.stderr).toBe(0);
      expect(trial.stdout).toMatch(/^Decision:\s+trigger$/m);
      expect(trial.stdout).toMatch(/^Trigger:\s+#0$/m);
      expect(trial.stdout).toMatch(
        /^Title:\s+Prometheus - Disk almost full on db-1:\/var\/lib\/postgresql$/m,
      );
      const inline = join(files, "inline.yaml");
      writeFileSync(inline, "triggers:\n  - urgency: low\n    conditions: []\n");
      const tried = await sqibsJson<FilterTestResult>(["filter", "test", id, "--filter", inline], {
        env: admin(),
        input: "plain words",
      });
      expect(tried).toMatchObject({ decision: "trigger", triggerIndex: 0, urgency: "low" });

      const set = await sqibs(
        ["maintenance", "set", id, "--tags", "disk, postgresql", "--tags", "deploy"],
        { env: admin() },
      );
      expect(set.code, set.stderr).toBe(0);
      expect(set.stdout).toMatch(/^In maintenance:\s+yes$/m);
      expect(set.stdout).toMatch(/^Maintenance tags:\s+disk \+ postgresql \| deploy$/m);
      const suppressed = await sqibsJson<FilterTestResult>(
        ["filter", "test", id, "--file", fixture],
        { env: admin() },
      );
      expect(suppressed).toEqual({
        decision: "suppressed",
        reason: "maintenance",
        maintenance: true,
      });
      const list = await sqibs(["services", "list"], { env: admin() });
      expect(list.stdout).toMatch(new RegExp(`${id}\\s+Trial\\s+active\\s+now \\(tagged\\)`));
      const ended = await sqibs(["maintenance", "end", id], { env: admin() });
      expect(ended.stdout).toBe(`Service ${id} is out of maintenance.\n`);

      const later = await sqibsJson<Service>(
        [
          "maintenance",
          "set",
          id,
          "--start",
          "2099-01-01T00:00:00Z",
          "--end",
          "2099-01-02T00:00:00Z",
        ],
        { env: admin() },
      );
      expect(later).toMatchObject({
        inMaintenance: false,
        maintenance: { start: "2099-01-01T00:00:00.000Z" },
      });
      const backwards = await sqibs(
        [
          "maintenance",
          "set",
          id,
          "--start",
          "2099-01-02T00:00:00Z",
          "--end",
          "2099-01-01T00:00:00Z",
        ],
        { env: admin() },
      );
      expect(backwards.code).toBe(1);
      expect(backwards.stderr).toBe("sqibs: end: must be after start.\n");

      const disabled = await sqibsJson<Service>(["services", "disable", id], { env: admin() });
      expect(disabled.state).toBe("disabled");
      const skipped = await sqibsJson<FilterTestResult>(["filter", "test", id, "--file", fixture], {
        env: admin(),
      });
      expect(skipped).toMatchObject({ decision: "skipped", reason: "disabled" });
      const enabled = await sqibs(["services", "enable", id], { env: admin() });
      expect(enabled.stdout).toMatch(/^State:\s+active$/m);
    });
  });

  describe("tokens", () => {
    it("list, rotate and revoke", async () => {
      const issued = await sqibsJson<IssuedToken>(
        ["tokens", "create", "cron", "--scope", "global", "--debug"],
        {
          env: admin(),
        },
      );
      const list = await sqibs(["tokens", "list"], { env: admin() });
      expect(list.stdout).toMatch(
        new RegExp(`${issued.token.id}\\s+cron\\s+global\\s+-\\s+${issued.token.prefix}\\s+yes`),
      );
      expect(list.stdout).not.toContain(issued.secret);

      const rotated = await sqibsJson<IssuedToken>(
        ["tokens", "rotate", issued.token.id, "--grace", "0"],
        {
          env: admin(),
        },
      );
      expect(rotated.secret).not.toBe(issued.secret);
      const old = await sqibs(["send"], {
        env: { SQIBS_URL: service.url, SQIBS_TOKEN: issued.secret },
        input: "x",
      });
      expect(old.code).toBe(1);
      const fresh = await sqibs(["send"], {
        env: { SQIBS_URL: service.url, SQIBS_TOKEN: rotated.secret },
        input: "y",
      });
      expect(fresh.code, fresh.stderr).toBe(0);

      const revoked = await sqibs(["tokens", "revoke", issued.token.id], { env: admin() });
      expect(revoked.stdout).toBe(`Token ${issued.token.id} revoked.\n`);
      const after = await sqibs(["send"], {
        env: { SQIBS_URL: service.url, SQIBS_TOKEN: rotated.secret },
        input: "z",
      });
      expect(after.code).toBe(1);
      const tokens = await sqibsJson<Token[]>(["tokens", "list"], { env: admin() });
      expect(tokens.find((token) => token.id === issued.token.id)?.revokedAt).toBeDefined();
    });
  });

  describe("incidents", () => {
    it("ack, unack, resolve, with --status filters and paging", async () => {
      const sent = await sqibsJson<IngestResult>(["send"], { env: ingest(), input: '{"n":1}' });
      const id = sent.incidents[0]?.id ?? "";
      const ack = await sqibs(["incidents", "ack", id, "--comment", "mine"], { env: admin() });
      expect(ack.stdout).toMatch(/is acknowledged\.\n$/);
      const acked = await sqibsJson<IncidentPage>(
        ["incidents", "list", "--status", "acknowledged"],
        {
          env: admin(),
        },
      );
      expect(acked.items.map((item) => item.id)).toEqual([id]);
      const unack = await sqibs(["incidents", "unack", id], { env: admin() });
      expect(unack.stdout).toMatch(/is triggered\.\n$/);
      const twice = await sqibs(["incidents", "unack", id], { env: admin() });
      expect(twice.code).toBe(1);
      expect(twice.stderr.split("\n")).toHaveLength(2);

      const first = await sqibs(["incidents", "list", "--limit", "1"], { env: admin() });
      const cursor = /more: --cursor (\S+)/.exec(first.stdout)?.[1];
      expect(cursor).toBeDefined();
      const all = await sqibsJson<IncidentPage>(["incidents", "list", "--all", "--limit", "2"], {
        env: admin(),
      });
      expect(all.nextCursor).toBeUndefined();
      expect(all.items.length).toBeGreaterThanOrEqual(4);
      const show = await sqibs(["incidents", "show", id], { env: admin() });
      expect(show.stdout).toMatch(/acknowledged\s+token:[0-9a-f]{24}\s+mine/);
    });
  });

  describe("failures are one line on stderr and a non-zero exit", () => {
    it.each([
      [["incidents", "list"], {}, "sqibs: no API token: set SQIBS_TOKEN or pass --token <token>"],
      [["incidents", "show", "nope"], "admin", "sqibs: No incident with id nope in this account."],
      [
        ["services", "list"],
        "ingest",
        "sqibs: This endpoint takes admin tokens; this is a global token.",
      ],
      [["incidents", "lst"], "admin", "sqibs: unknown command 'lst' (Did you mean list?)"],
      [
        ["incidents", "list", "--limit", "500"],
        "admin",
        /^sqibs: option '--limit <n>' argument '500' is invalid/,
      ],
      [["services", "create"], "admin", "sqibs: a name is needed: services create <name>"],
      [["services", "create", "a", "--name", "b"], "admin", 'sqibs: two names: "a" and --name "b"'],
      [
        ["tokens", "create", "x"],
        "admin",
        "sqibs: required option '--scope <scope>' not specified",
      ],
      [
        ["tokens", "create", "x", "--scope", "team"],
        "admin",
        "sqibs: --team <teamId> goes with --scope team, and only with it",
      ],
      [
        [
          "webhooks",
          "create",
          "https://hooks.example.com/",
          "--events",
          "incident.triggered",
          "--service",
          "s",
        ],
        "admin",
        "sqibs: --service <serviceId> goes with --scope service, and only with it",
      ],
      [
        ["init", "--name", "X"],
        {},
        "sqibs: MONGODB_URI is not set: init writes to the database directly",
      ],
      [
        ["services", "list", "--url", "http://127.0.0.1:PORT"],
        "admin",
        /^sqibs: cannot reach http:\/\/127\.0\.0\.1:\d+ \(ECONNREFUSED\)$/,
      ],
    ] as const)("sqibs %j", async (args, who, expected) => {
      const env = who === "admin" ? admin() : who === "ingest" ? ingest() : {};
      const port = String(await freePort());
      const run = await sqibs(
        args.map((arg) => arg.replace("PORT", port)),
        { env },
      );
      expect(run.code).not.toBe(0);
      expect(run.stdout).toBe("");
      const lines = run.stderr.split("\n");
      expect(lines).toHaveLength(2);
      expect(lines[1]).toBe("");
      if (typeof expected === "string") expect(lines[0]).toBe(expected);
      else expect(lines[0]).toMatch(expected);
    });
  });
});
