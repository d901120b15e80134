import { createHash, randomBytes, timingSafeEqual } from "node:crypto";
import type { TokenScope } from "../repositories/index.js";

const SCOPE_TAG: Record<TokenScope, string> = { global: "g", team: "t", service: "s", admin: "a" };
const BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
const SECRET_CHARS = 40; // ~238 bits
export const PREFIX_LENGTH = 12;

/** A new secret: recognizable prefix `sqibs_<scope>_`, then 40 base62 characters. */
export function generateSecret(scope: TokenScope): string {
  const bytes = randomBytes(SECRET_CHARS * 2);
  let body = "";
  for (const byte of bytes) {
    if (byte < 248) body += BASE62[byte % 62]; // 248 = 4 * 62: no modulo bias
    if (body.length === SECRET_CHARS) break;
  }
  if (body.length < SECRET_CHARS) return generateSecret(scope);
  return `sqibs_${SCOPE_TAG[scope]}_${body}`;
}

export function hashSecret(secret: string): string {
  return createHash("sha256").update(secret, "utf8").digest("hex");
}

export function secretPrefix(secret: string): string {
  return secret.slice(0, PREFIX_LENGTH);
}

/** Constant-time equality of two credentials (compares their hashes, equal length). */
export function sameSecret(a: string, b: string): boolean {
  return timingSafeEqual(Buffer.from(hashSecret(a), "hex"), Buffer.from(hashSecret(b), "hex"));
}
