import { randomBytes } from "node:crypto";
import { Webhook } from "standardwebhooks";
import { memoized } from "./memo.js";

/**
 * Signing per the Standard Webhooks specification, with its reference implementation
 * (`standardwebhooks`): `webhook-signature` is `v1,<base64 HMAC-SHA256 of "id.timestamp.body">`,
 * one per secret in force, separated by spaces, so a receiver that knows any one of them
 * accepts the message while secrets are rotated.
 */

export const SECRET_PREFIX = "whsec_";

/** Secret bytes: the specification asks for 24 to 64; 32 is the HMAC-SHA256 block-size half. */
const SECRET_BYTES = 32;

export interface SignatureHeaders {
  "webhook-id": string;
  "webhook-timestamp": string;
  "webhook-signature": string;
}

/** A secret a webhook signs with; an old one keeps signing until `expiresAt` (rotation). */
export interface SigningSecret {
  secret: string;
  expiresAt?: Date;
}

/** A new `whsec_` secret: 32 random bytes, base64. Shown once, stored as it is (it must sign). */
export function generateWebhookSecret(): string {
  return `${SECRET_PREFIX}${randomBytes(SECRET_BYTES).toString("base64")}`;
}

/** Whether a text is a secret this package generated or can sign with. */
export function isWebhookSecret(text: string): boolean {
  if (!text.startsWith(SECRET_PREFIX)) return false;
  const bytes = Buffer.from(text.slice(SECRET_PREFIX.length), "base64");
  return bytes.length >= 24 && bytes.length <= 64;
}

/** Signers kept per secret, at most (one per webhook and secret in force). */
const MAX_SIGNERS = 1_024;

/**
 * The reference implementation's signer for a secret, decoded once: `new Webhook(secret)`
 * decodes the secret's base64 on every call, and every attempt signs.
 */
const signerOf = memoized(MAX_SIGNERS, (secret) => new Webhook(secret));

/**
 * After a rotation the new secret comes first and the old ones stay for a grace period: the
 * secrets that still sign at `now`, newest first. The signers of those that no longer sign
 * are forgotten.
 */
export function secretsInForce(secrets: readonly SigningSecret[], now: Date): string[] {
  const inForce: string[] = [];
  const ended: string[] = [];
  for (const entry of secrets) {
    const signs = entry.expiresAt === undefined || entry.expiresAt.getTime() > now.getTime();
    (signs ? inForce : ended).push(entry.secret);
  }
  if (ended.length > 0) signerOf.forget(ended);
  return inForce;
}

/**
 * Drops the signers kept for these secrets: their webhook was deleted or they no longer sign
 * (rotated out), so they need not stay in memory. Signing with one again decodes it again.
 */
export function forgetSigningSecrets(secrets: Iterable<string>): void {
  signerOf.forget(secrets);
}

/** Whether a signer for this secret is kept in memory. */
export function isSignerKept(secret: string): boolean {
  return signerOf.holds(secret);
}

/**
 * The three headers for one attempt. `id` is the event's id, the same on every attempt, so a
 * receiver can drop a duplicate; `timestamp` is the attempt's time (receivers refuse messages
 * older than five minutes, which stops replays).
 */
export function signatureHeaders(message: {
  id: string;
  timestamp: Date;
  body: string;
  secrets: readonly string[];
}): SignatureHeaders {
  if (message.secrets.length === 0) throw new Error("a webhook needs at least one secret to sign");
  const signatures = message.secrets.map((secret) =>
    signerOf(secret).sign(message.id, message.timestamp, message.body),
  );
  return {
    "webhook-id": message.id,
    "webhook-timestamp": String(Math.floor(message.timestamp.getTime() / 1000)),
    "webhook-signature": signatures.join(" "),
  };
}
