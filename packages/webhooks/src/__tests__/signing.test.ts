import { Webhook, WebhookVerificationError } from "standardwebhooks";
import { describe, expect, it } from "vitest";
import {
  forgetSigningSecrets,
  generateWebhookSecret,
  isSignerKept,
  isWebhookSecret,
  SECRET_PREFIX,
  secretsInForce,
  signatureHeaders,
} from "../signing.js";

const body =
  '{"type":"webhook.test","id":"msg_1","timestamp":"2026-11-28T10:00:00.000Z","data":{}}';

describe("generateWebhookSecret", () => {
  it("makes whsec_ secrets of 32 random bytes that the reference implementation accepts", () => {
    const secrets = new Set(Array.from({ length: 50 }, generateWebhookSecret));
    expect(secrets.size).toBe(50);
    for (const secret of secrets) {
      expect(secret.startsWith(SECRET_PREFIX)).toBe(true);
      expect(Buffer.from(secret.slice(SECRET_PREFIX.length), "base64")).toHaveLength(32);
      expect(isWebhookSecret(secret)).toBe(true);
      expect(() => new Webhook(secret)).not.toThrow();
    }
  });

  it.each([
    ["no prefix", Buffer.alloc(32).toString("base64")],
    ["too short", `${SECRET_PREFIX}${Buffer.alloc(8).toString("base64")}`],
    ["too long", `${SECRET_PREFIX}${Buffer.alloc(65).toString("base64")}`],
  ])("isWebhookSecret refuses %s", (_name, text) => {
    expect(isWebhookSecret(text)).toBe(false);
  });
});

describe("signatureHeaders", () => {
  it("signs so that standardwebhooks' Webhook.verify accepts the message", () => {
    const secret = generateWebhookSecret();
    const now = new Date();
    const headers = signatureHeaders({ id: "msg_1", timestamp: now, body, secrets: [secret] });
    expect(headers["webhook-id"]).toBe("msg_1");
    expect(headers["webhook-timestamp"]).toBe(String(Math.floor(now.getTime() / 1000)));
    expect(headers["webhook-signature"]).toMatch(/^v1,[A-Za-z0-9+/]+=*$/);
    expect(new Webhook(secret).verify(body, { ...headers })).toEqual(JSON.parse(body));
  });

  it("signs with every secret in force during a rotation, each alone verifies", () => {
    const [fresh, old] = [generateWebhookSecret(), generateWebhookSecret()];
    const headers = signatureHeaders({
      id: "msg_2",
      timestamp: new Date(),
      body,
      secrets: [fresh, old],
    });
    expect(headers["webhook-signature"].split(" ")).toHaveLength(2);
    expect(new Webhook(fresh).verify(body, { ...headers })).toEqual(JSON.parse(body));
    expect(new Webhook(old).verify(body, { ...headers })).toEqual(JSON.parse(body));
    expect(() => new Webhook(generateWebhookSecret()).verify(body, { ...headers })).toThrow(
      "No matching signature found",
    );
  });

  it("signs each message with its own secret, however many secrets sign in turn", () => {
    // More secrets than the signers kept per secret: each signature still verifies with its
    // secret alone, first use or a later one.
    const secrets = Array.from({ length: 1_100 }, () => generateWebhookSecret());
    for (const round of [1, 2]) {
      for (const [index, secret] of secrets.entries()) {
        if (index % 100 !== 0 && index !== secrets.length - 1) {
          signatureHeaders({ id: "m", timestamp: new Date(), body, secrets: [secret] });
          continue;
        }
        const id = `msg_${round}_${index}`;
        const headers = signatureHeaders({ id, timestamp: new Date(), body, secrets: [secret] });
        expect(new Webhook(secret).verify(body, { ...headers })).toEqual(JSON.parse(body));
        const other = secrets[(index + 1) % secrets.length] as string;
        expect(() => new Webhook(other).verify(body, { ...headers })).toThrow(
          "No matching signature found",
        );
      }
    }
  });

  it("is refused for a changed body, id or timestamp, and when too old", () => {
    const secret = generateWebhookSecret();
    const headers = signatureHeaders({
      id: "msg_3",
      timestamp: new Date(),
      body,
      secrets: [secret],
    });
    const verifier = new Webhook(secret);
    expect(() => verifier.verify(body.replace("test", "tset"), { ...headers })).toThrow(
      WebhookVerificationError,
    );
    expect(() => verifier.verify(body, { ...headers, "webhook-id": "msg_4" })).toThrow(
      WebhookVerificationError,
    );
    const old = signatureHeaders({
      id: "msg_3",
      timestamp: new Date(Date.now() - 10 * 60_000),
      body,
      secrets: [secret],
    });
    expect(() => verifier.verify(body, { ...old })).toThrow("Message timestamp too old");
  });

  it("needs a secret", () => {
    expect(() => signatureHeaders({ id: "m", timestamp: new Date(), body, secrets: [] })).toThrow(
      "at least one secret",
    );
  });
});

describe("secretsInForce", () => {
  it("keeps the new secret and the old ones until their grace period ends", () => {
    const now = new Date("2026-11-28T10:00:00Z");
    const secrets = [
      { secret: "whsec_new" },
      { secret: "whsec_previous", expiresAt: new Date("2026-11-28T11:00:00Z") },
      { secret: "whsec_ended", expiresAt: new Date("2026-11-28T10:00:00Z") },
      { secret: "whsec_older", expiresAt: new Date("2026-11-27T10:00:00Z") },
    ];
    expect(secretsInForce(secrets, now)).toEqual(["whsec_new", "whsec_previous"]);
    expect(secretsInForce(secrets, new Date("2026-11-28T11:00:00Z"))).toEqual(["whsec_new"]);
  });

  it("forgets the signers of the secrets that no longer sign, keeps the others'", () => {
    const [fresh, previous] = [generateWebhookSecret(), generateWebhookSecret()];
    const signed = new Date();
    signatureHeaders({ id: "m", timestamp: signed, body, secrets: [fresh, previous] });
    expect([isSignerKept(fresh), isSignerKept(previous)]).toEqual([true, true]);
    const secrets = [{ secret: fresh }, { secret: previous, expiresAt: signed }];
    expect(secretsInForce(secrets, new Date(signed.getTime() - 1))).toEqual([fresh, previous]);
    expect(isSignerKept(previous)).toBe(true);
    expect(secretsInForce(secrets, signed)).toEqual([fresh]);
    expect([isSignerKept(fresh), isSignerKept(previous)]).toEqual([true, false]);
  });
});

describe("forgetSigningSecrets", () => {
  it("drops the signers of the secrets named, and signing with one again still verifies", () => {
    const [gone, kept] = [generateWebhookSecret(), generateWebhookSecret()];
    signatureHeaders({ id: "m", timestamp: new Date(), body, secrets: [gone, kept] });
    forgetSigningSecrets([gone]);
    expect([isSignerKept(gone), isSignerKept(kept)]).toEqual([false, true]);
    const headers = signatureHeaders({ id: "m", timestamp: new Date(), body, secrets: [gone] });
    expect(new Webhook(gone).verify(body, { ...headers })).toEqual(JSON.parse(body));
    expect(isSignerKept(gone)).toBe(true);
  });
});
