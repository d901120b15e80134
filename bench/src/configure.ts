/** The service's account, written straight into its database before it starts. */
import {
  bootstrapAccount,
  createRepositories,
  ensureIndexes,
  openDatabase,
  type Repositories,
} from "@sqibs/intake";
import { generateWebhookSecret } from "@sqibs/webhooks";
import { ALERTMANAGER_FILTER } from "./payloads.js";

export interface Configured {
  globalSecret: string;
  /** Whom the global token's calls open incidents for (the preload stores them there too). */
  opener: Opener;
  /** Deliveries put in the queue (spread over the webhooks), ready for the dispatcher. */
  queued: number;
}

/** The account and service a token's calls open incidents in, and the token. */
export interface Opener {
  accountId: string;
  serviceId: string;
  tokenId: string;
}

export interface ConfigureOptions {
  /** Global webhooks subscribed to incident.triggered, one per URL. */
  webhooks?: string[];
  /** Deliveries to queue for them before the service starts. */
  queued?: number;
}

const QUEUE_CHUNK = 500;

/**
 * One account with one service and the bench's Alertmanager filter; with `webhooks`, global
 * webhooks to those URLs, and with `queued`, that many deliveries waiting for them.
 */
export async function configureService(
  uri: string,
  dbName: string,
  options: ConfigureOptions = {},
): Promise<Configured> {
  return withRepositories(uri, dbName, 5_000, async (repositories) => {
    await ensureIndexes(repositories);
    const clock = () => new Date();
    const { account, service, globalToken } = await bootstrapAccount(
      { repositories, clock },
      { accountName: "bench", language: "en", serviceName: "Alertmanager" },
    );
    const updated = await repositories.services.update(
      account.id,
      service.id,
      { filter: ALERTMANAGER_FILTER },
      [],
      clock(),
    );
    if (!updated) throw new Error("could not set the service's filter");
    const webhooks: Array<{ id: string; url: string }> = [];
    for (const url of options.webhooks ?? []) {
      const now = clock();
      webhooks.push(
        await repositories.webhooks.create(
          {
            accountId: account.id,
            scope: "global",
            url,
            events: ["incident.triggered"],
            format: "json",
            enabled: true,
            secrets: [{ secret: generateWebhookSecret(), createdAt: now }],
          },
          now,
        ),
      );
    }
    const queued = webhooks.length ? (options.queued ?? 0) : 0;
    for (let from = 0; from < queued; from += QUEUE_CHUNK) {
      const at = clock();
      const chunk = Array.from({ length: Math.min(QUEUE_CHUNK, queued - from) }, (_, offset) => {
        const index = from + offset;
        const webhook = webhooks[index % webhooks.length];
        if (!webhook) throw new Error("no webhook");
        const eventId = `evt_bench_${index}`;
        return {
          accountId: account.id,
          webhookId: webhook.id,
          eventId,
          eventType: "incident.triggered" as const,
          url: webhook.url,
          body: JSON.stringify({ type: "incident.triggered", id: eventId, data: { index } }),
          oneShot: false,
          key: `${eventId}:${webhook.id}`,
          at,
        };
      });
      await repositories.webhookDeliveries.store(chunk, { queued: true });
    }
    return {
      globalSecret: globalToken.secret,
      opener: { accountId: account.id, serviceId: service.id, tokenId: globalToken.token.id },
      queued,
    };
  });
}

/** The service's repositories on its database, for `use` alone; closed after it. */
export async function withRepositories<T>(
  uri: string,
  dbName: string,
  timeoutMs: number,
  use: (repositories: Repositories) => Promise<T>,
): Promise<T> {
  const database = openDatabase({ uri, dbName, timeoutMs });
  try {
    return await use(createRepositories(database));
  } finally {
    await database.close();
  }
}
