import type { AppDeps } from "../http/deps.js";
import type { TokenDoc, TokenScope } from "../repositories/documents.js";
import type { ObjectId } from "../repositories/ids.js";
import { generateSecret, hashSecret, secretPrefix } from "../tokens.js";

export interface IssuedToken {
  token: TokenDoc;
  /** Shown once; only its SHA-256 is stored. */
  secret: string;
}

export async function issueToken(
  deps: Pick<AppDeps, "repositories" | "clock">,
  input: {
    accountId: ObjectId;
    name: string;
    scope: TokenScope;
    serviceId?: ObjectId;
    debug?: boolean;
  },
): Promise<IssuedToken> {
  const secret = generateSecret(input.scope);
  const token = await deps.repositories.tokens.create(
    {
      accountId: input.accountId,
      name: input.name,
      scope: input.scope,
      ...(input.serviceId ? { serviceId: input.serviceId } : {}),
      debug: input.debug ?? false,
      prefix: secretPrefix(secret),
      secretHash: hashSecret(secret),
    },
    deps.clock(),
  );
  return { token, secret };
}
