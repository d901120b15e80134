import {
  createRequest,
  createService,
  createTeam,
  createToken,
  deleteTeam,
  getService,
  getTeam,
  listServices,
  listTeams,
  updateService,
  updateTeam,
} from "@sqibs/api-client";
import { beforeAll, describe, expect, it } from "vitest";
import {
  clientFor,
  newAccount,
  problemOf,
  serviceWithAccount,
  trigger,
  UNKNOWN_ID,
} from "./support.js";

// docs/product.md §10: teams group services, every service is in exactly one, and a team
// token's call runs through the active services of its team only.

describe("/v1/teams", () => {
  const { service, acme } = serviceWithAccount("mgmt-teams");

  async function newTeam(name: string): Promise<string> {
    const { data, response } = await createTeam({ client: acme.admin, body: { name } });
    expect(response?.status).toBe(201);
    return data?.id ?? "";
  }

  it("starts every account with a default team holding its first service", async () => {
    const { data } = await listTeams({ client: acme.admin });
    expect(data?.items).toEqual([
      expect.objectContaining({ id: acme.team.id, name: "Default", isDefault: true }),
    ]);
    const first = await getService({ client: acme.admin, path: { serviceId: acme.serviceId } });
    expect(first.data?.teamId).toBe(acme.team.id);
  });

  it("201/200/204: creates, lists (default first), shows, renames and deletes a team", async () => {
    const id = await newTeam("Platform");
    const shown = await getTeam({ client: acme.admin, path: { teamId: id } });
    expect(shown.data).toMatchObject({ id, name: "Platform", isDefault: false });
    const renamed = await updateTeam({
      client: acme.admin,
      path: { teamId: id },
      body: { name: "SRE" },
    });
    expect(renamed.data?.name).toBe("SRE");
    const names = (await listTeams({ client: acme.admin })).data?.items.map((team) => team.name);
    expect(names?.[0]).toBe("Default");
    expect(names).toContain("SRE");
    const deleted = await deleteTeam({ client: acme.admin, path: { teamId: id } });
    expect(deleted.response?.status).toBe(204);
    problemOf(await getTeam({ client: acme.admin, path: { teamId: id } }), 404);
  });

  it("409: a name another team has (in any case); 400: a blank one", async () => {
    await newTeam("Payments");
    const again = await createTeam({ client: acme.admin, body: { name: " payments " } });
    expect(problemOf(again, 409).detail).toMatch(/already has a team named/);
    problemOf(await createTeam({ client: acme.admin, body: { name: "   " } }), 400);
  });

  it("409: the default team cannot be deleted", async () => {
    const answer = await deleteTeam({ client: acme.admin, path: { teamId: acme.team.id } });
    expect(problemOf(answer, 409).detail).toMatch(/default team/);
  });

  it("409: deleting a team that still has services names each of them", async () => {
    const teamId = await newTeam("Storage");
    const names = ["Postgres", "Object store"];
    const ids: string[] = [];
    for (const name of names) {
      const created = await createService({ client: acme.admin, body: { name, teamId } });
      expect(created.data?.teamId).toBe(teamId);
      ids.push(created.data?.id ?? "");
    }
    const refused = problemOf(await deleteTeam({ client: acme.admin, path: { teamId } }), 409);
    expect(refused.detail).toContain("2 services");
    for (const [index, name] of names.entries()) {
      expect(refused.detail).toContain(`${name} (${ids[index]})`);
    }
    // Moved to the default team, the team can go.
    for (const serviceId of ids) {
      const moved = await updateService({
        client: acme.admin,
        path: { serviceId },
        body: { teamId: acme.team.id },
      });
      expect(moved.data?.teamId).toBe(acme.team.id);
    }
    expect((await deleteTeam({ client: acme.admin, path: { teamId } })).response?.status).toBe(204);
  });

  it("404: a team of another account, an unknown one, a malformed id, in paths and bodies", async () => {
    const other = await newAccount(service, { accountName: "Other" });
    for (const teamId of [other.team.id, UNKNOWN_ID, "not-an-id"]) {
      problemOf(await getTeam({ client: acme.admin, path: { teamId } }), 404);
      problemOf(await deleteTeam({ client: acme.admin, path: { teamId } }), 404);
    }
    problemOf(
      await createService({ client: acme.admin, body: { name: "x", teamId: other.team.id } }),
      404,
    );
    problemOf(
      await updateService({
        client: acme.admin,
        path: { serviceId: acme.serviceId },
        body: { teamId: UNKNOWN_ID },
      }),
      404,
    );
  });
});

describe("team tokens", () => {
  const { service, acme } = serviceWithAccount("mgmt-team-tokens");
  let platformTeam: string;
  let platformServices: string[];

  beforeAll(async () => {
    platformTeam = (await createTeam({ client: acme.admin, body: { name: "Platform" } })).data
      ?.id as string;
    platformServices = [];
    for (const name of ["API", "Workers"]) {
      const created = await createService({
        client: acme.admin,
        body: { name, teamId: platformTeam },
      });
      platformServices.push(created.data?.id ?? "");
    }
  });

  async function teamToken(teamId: string): Promise<string> {
    const { data, response } = await createToken({
      client: acme.admin,
      body: { name: "team", scope: "team", teamId },
    });
    expect(response?.status).toBe(201);
    expect(data?.token).toMatchObject({ scope: "team", teamId });
    expect(data?.secret).toMatch(/^sqibs_t_/);
    return data?.secret ?? "";
  }

  it("runs a team token's call through its team's active services only", async () => {
    const sender = clientFor(service, await teamToken(platformTeam));
    const result = await trigger(sender);
    expect(result.incidents.map((incident) => incident.serviceId).sort()).toEqual(
      [...platformServices].sort(),
    );
    // The default team's service is out of its reach; a global token reaches all three.
    const all = await trigger(acme.ingest);
    expect(all.incidents).toHaveLength(3);
    // A disabled service of the team is skipped like any disabled service.
    await updateService({
      client: acme.admin,
      path: { serviceId: platformServices[1] ?? "" },
      body: { state: "disabled" },
    });
    const one = await trigger(sender);
    expect(one.incidents.map((incident) => incident.serviceId)).toEqual([platformServices[0]]);
  });

  it("403: a team token cannot create requests (global tokens only)", async () => {
    const sender = clientFor(service, await teamToken(platformTeam));
    const refused = problemOf(await createRequest({ client: sender, body: { a: 1 } }), 403);
    expect(refused.detail).toMatch(/team token/);
  });

  it("400: a team token without teamId, another scope with one; 404: a team of no one", async () => {
    const missing = await createToken({
      client: acme.admin,
      body: { name: "x", scope: "team" } as never,
    });
    expect(problemOf(missing, 400).errors?.[0]?.field).toBe("teamId");
    const extra = await createToken({
      client: acme.admin,
      body: { name: "x", scope: "global", teamId: platformTeam } as never,
    });
    expect(problemOf(extra, 400).errors?.[0]?.field).toBe("teamId");
    problemOf(
      await createToken({
        client: acme.admin,
        body: { name: "x", scope: "team", teamId: UNKNOWN_ID },
      }),
      404,
    );
  });

  it("revokes a team's tokens when the team is deleted", async () => {
    const teamId = (await createTeam({ client: acme.admin, body: { name: "Short-lived" } })).data
      ?.id as string;
    const sender = clientFor(service, await teamToken(teamId));
    // No services: the call reaches nothing, and is answered.
    expect((await trigger(sender)).reason).toBe("no-active-service");
    await deleteTeam({ client: acme.admin, path: { teamId } });
    const { items } = (await listServices({ client: acme.admin })).data ?? { items: [] };
    expect(items).toHaveLength(3);
    await expect(trigger(sender)).rejects.toThrow(/401/);
  });
});
