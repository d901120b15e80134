import type { Config } from "../config.js";
import type { AppDeps } from "../container.js";
import { AppError } from "../errors.js";
import type { Caller } from "./caller.js";

type CapSetting = {
  [K in keyof Config]-?: Config[K] extends number ? K : never;
}[keyof Config];

interface AccountCap {
  /** The setting that caps it (0: no cap). */
  setting: CapSetting;
  /** What the cap counts, in the 409's words. */
  counted: string;
  /** How many the account holds now. */
  count(deps: AppDeps, accountId: string): Promise<number>;
}

/**
 * What an account may hold at most, per resource (docs/product.md §13), so that no tenant
 * grows the database or the hot reads (every ingest call reads its services) without bound.
 * Another capped resource is one more entry, with its setting in config.ts.
 */
export const ACCOUNT_CAPS = {
  services: {
    setting: "MAX_SERVICES_PER_ACCOUNT",
    counted: "services",
    count: (deps, accountId) => deps.repositories.services.countInAccount(accountId),
  },
  tokens: {
    setting: "MAX_TOKENS_PER_ACCOUNT",
    counted: "live (not revoked) tokens",
    count: (deps, accountId) => deps.repositories.tokens.countLiveInAccount(accountId),
  },
  teams: {
    setting: "MAX_TEAMS_PER_ACCOUNT",
    counted: "teams",
    count: (deps, accountId) => deps.repositories.teams.countInAccount(accountId),
  },
  webhooks: {
    setting: "MAX_WEBHOOKS_PER_ACCOUNT",
    counted: "outgoing webhooks",
    count: (deps, accountId) => deps.repositories.webhooks.countInAccount(accountId),
  },
} as const satisfies Record<string, AccountCap>;

export type CappedResource = keyof typeof ACCOUNT_CAPS;

/**
 * Creates one more of a capped resource, or refuses with a 409 problem naming the cap once the
 * account holds that many. Within an instance, the creations of one account and resource run
 * one after another, so none overtakes another's count; instances creating at the very same
 * moment can each pass the cap by one.
 */
export async function createWithinCap<T>(
  deps: AppDeps,
  caller: Caller,
  resource: CappedResource,
  create: () => Promise<T>,
): Promise<T> {
  const cap: AccountCap = ACCOUNT_CAPS[resource];
  const max = deps.config[cap.setting];
  if (max === 0) return create();
  const accountId = caller.account.id;
  return deps.inTurn(`cap:${resource}:${accountId}`, async () => {
    if ((await cap.count(deps, accountId)) >= max) {
      throw new AppError(
        "ACCOUNT_LIMIT",
        `The account holds ${max} ${cap.counted}, the most it may (${cap.setting}); remove one before creating another.`,
        { limit: resource },
      );
    }
    return create();
  });
}
