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
  const client = new MongoClient(inject("mongodbUri"), { monitorCommands: true });
  const finds: CommandStartedEvent[] = [];
  client.on("commandStarted", (event: CommandStartedEvent) => {
    if (event.commandName === "find") finds.push(event);
  });
  try {
    await work(
      createRepositories({ ...database, client, db: client.db(database.db.databaseName) }),
    );
  } finally {
    await client.close();
  }
  return finds;
}
