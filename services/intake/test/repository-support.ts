import { type CommandStartedEvent, MongoClient, ObjectId } from "mongodb";
import { inject } from "vitest";
import type { Database } from "../src/repositories/database.js";
import type { NewIncident } from "../src/repositories/incidents.js";
import { createRepositories, type Repositories } from "../src/repositories/index.js";

let sequence = 0;

/** A new incident's input: a fresh account and service, a correlation value of its own. */
export function incidentInput(input: Partial<NewIncident> = {}): NewIncident {
  sequence += 1;
  const now = new Date();
  return {
    accountId: new ObjectId().toHexString(),
    serviceId: new ObjectId().toHexString(),
    title: `Incident ${sequence}`,
    urgency: "low",
    status: "triggered",
    correlationKey: `key-${sequence}`,
    payload: { contentType: "text/plain", body: Buffer.from("x") },
    createdAt: now,
    updatedAt: now,
    deliveryId: `delivery-${sequence}`,
    ...input,
  };
}

/** The `find` commands `work` sends through repositories on a client that watches them. */
export async function findsDuring(
  database: Database,
  work: (watched: Repositories) => Promise<unknown>,
): Promise<CommandStartedEvent[]> {
  return commandsDuring(database, work, ["find"]);
}

/** The commands named `names` that `work` sends, on repositories of a client that watches them. */
export async function commandsDuring(
  database: Database,
  work: (watched: Repositories) => Promise<unknown>,
  names: readonly string[],
): Promise<CommandStartedEvent[]> {
  const client = new MongoClient(inject("mongodbUri"), { monitorCommands: true });
  const seen: CommandStartedEvent[] = [];
  client.on("commandStarted", (event: CommandStartedEvent) => {
    if (names.includes(event.commandName)) seen.push(event);
  });
  try {
    await work(
      createRepositories({ ...database, client, db: client.db(database.db.databaseName) }),
    );
  } finally {
    await client.close();
  }
  return seen;
}

/** The filter of each update, delete and findAndModify that `work` sends, by collection. */
export async function writeFiltersDuring(
  database: Database,
  work: (watched: Repositories) => Promise<unknown>,
): Promise<Array<{ collection: string; keys: string[] }>> {
  const writes = await commandsDuring(database, work, ["update", "delete", "findAndModify"]);
  return writes.flatMap(({ commandName, command }) => {
    const collection = command[commandName] as string;
    const filters: object[] =
      commandName === "update"
        ? command.updates.map((update: { q: object }) => update.q)
        : commandName === "delete"
          ? command.deletes.map((remove: { q: object }) => remove.q)
          : [command.query];
    return filters.map((filter) => ({ collection, keys: Object.keys(filter) }));
  });
}
