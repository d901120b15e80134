import type { Incident, IncidentPage, IssuedToken, Service } from "@sqibs/api-client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RunningService, sqibs, sqibsJson, startService } from "./support.js";

interface InitResult {
  account: { id: string; name: string; language: string };
  service: { id: string; name: string };
  globalToken: { id: string; secret: string };
  adminToken: { id: string; secret: string };
}

/**
 * The README's first steps, as a new user runs them: init on an empty database, a service and
 * a service token, an incident posted with curl (here: fetch), listed and resolved by the CLI.
 */
describe("sqibs walkthrough: init → service → token → curl → list → resolve", () => {
  let service: RunningService;
  let init: InitResult;
  let checkout: Service;
  let sender: IssuedToken;
  let incidentId: string;
  const admin = () => ({ SQIBS_URL: service.url, SQIBS_TOKEN: init.adminToken.secret });

  beforeAll(async () => {
    service = await startService("cli-walkthrough");
  });
  afterAll(() => service.stop());

  it("init creates the first account, its service and both tokens on an empty database", async () => {
    const env = { MONGODB_URI: service.mongodbUri, MONGODB_DB: service.dbName };
    const human = await sqibs(["init", "--name", "Acme", "--language", "de"], { env });
    expect(human.code, human.stderr).toBe(0);
    expect(human.stdout).toMatch(/Account:\s+Acme \([0-9a-f]{24}\), language de/);
    expect(human.stdout).toMatch(/Global token:\s+sqibs_g_\w{40}/);
    expect(human.stdout).toMatch(/Admin token:\s+sqibs_a_\w{40}/);
    expect(human.stdout).toContain("shown this once");

    const again = await sqibs(["init", "--name", "Other"], { env });
    expect(again.code).not.toBe(0);
    expect(again.stderr).toBe(
      "sqibs: the database already has an account; use --force to add another\n",
    );

    init = await sqibsJson<InitResult>(["init", "--name", "Acme Ops", "--force"], { env });
    expect(init.account).toMatchObject({ name: "Acme Ops", language: "en" });
    expect(init.adminToken.secret).toMatch(/^sqibs_a_/);
  });

  it("services create and list", async () => {
    checkout = await sqibsJson<Service>(
      ["services", "create", "Checkout", "--title-key", "commonAnnotations.summary"],
      { env: admin() },
    );
    expect(checkout).toMatchObject({ name: "Checkout", titleKey: "commonAnnotations.summary" });
    const list = await sqibs(["services", "list"], { env: admin() });
    expect(list.code).toBe(0);
    expect(list.stdout.split("\n")[0]).toMatch(/^ID\s+NAME\s+STATE/);
    expect(list.stdout).toMatch(new RegExp(`${checkout.id}\\s+Checkout\\s+active`));
  });

  it("tokens create a service token, shown once", async () => {
    const human = await sqibs(
      ["tokens", "create", "alertmanager", "--scope", "service", "--service", checkout.id],
      { env: admin() },
    );
    expect(human.code, human.stderr).toBe(0);
    expect(human.stdout).toMatch(/Secret:\s+sqibs_s_\w{40}/);
    sender = await sqibsJson<IssuedToken>(
      ["tokens", "create", "alertmanager-2", "--scope", "service", "--service", checkout.id],
      { env: admin() },
    );
    expect(sender.token).toMatchObject({ scope: "service", serviceId: checkout.id });
  });

  it("an incident posted with curl shows in `incidents list --json`", async () => {
    // curl -X POST "$SQIBS_URL/v1/process?from=Prometheus" -H "Authorization: Bearer $TOKEN" \
    //   -H 'Content-Type: application/json' -d '{"commonAnnotations":{"summary":"Checkout is down"}}'
    const posted = await fetch(`${service.url}/v1/process?from=Prometheus`, {
      method: "POST",
      headers: { authorization: `Bearer ${sender.secret}`, "content-type": "application/json" },
      body: JSON.stringify({ commonAnnotations: { summary: "Checkout is down" } }),
    });
    expect(posted.status).toBe(201);
    incidentId =
      ((await posted.json()) as { incidents: Array<{ id: string }> }).incidents[0]?.id ?? "";

    const page = await sqibsJson<IncidentPage>(["incidents", "list"], { env: admin() });
    expect(page.items.map((item) => item.id)).toEqual([incidentId]);
    expect(page.items[0]).toMatchObject({
      title: "Prometheus - Checkout is down",
      status: "triggered",
      serviceId: checkout.id,
    });
    const table = await sqibs(["incidents", "list"], { env: admin() });
    expect(table.stdout).toMatch(/triggered\s+high\s+Prometheus - Checkout is down\s+Prometheus/);
  });

  it("`incidents resolve <id>` resolves it", async () => {
    const resolved = await sqibs(["incidents", "resolve", incidentId, "--comment", "Rolled back"], {
      env: admin(),
    });
    expect(resolved.code, resolved.stderr).toBe(0);
    expect(resolved.stdout).toBe(`Incident #1 (${incidentId}) is resolved.\n`);
    const shown = await sqibsJson<Incident>(["incidents", "show", incidentId], { env: admin() });
    expect(shown.status).toBe("resolved");
    expect(shown.events.at(-1)).toMatchObject({
      type: "resolved",
      actor: `token:${init.adminToken.id}`,
      comment: "Rolled back",
    });
  });

  it("a command that fails prints one line and exits non-zero", async () => {
    const again = await sqibs(["incidents", "resolve", incidentId], { env: admin() });
    expect(again.code).toBe(1);
    expect(again.stdout).toBe("");
    expect(again.stderr).toBe(
      "sqibs: Incident #1 is resolved; only triggered or acknowledged incidents can be resolved.\n",
    );
  });
});
