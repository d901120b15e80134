import { Binary, ObjectId } from "mongodb";
import type { StoredPayload } from "./documents.js";

export { ObjectId };

/** The ObjectId an API path or cursor names, or undefined when it is not one. */
export function parseId(text: string | undefined): ObjectId | undefined {
  return text && /^[0-9a-f]{24}$/i.test(text) ? ObjectId.createFromHexString(text) : undefined;
}

export function storedPayload(bytes: Uint8Array, contentType: string | undefined): StoredPayload {
  return { contentType: contentType ?? null, body: new Binary(bytes) };
}

export function payloadBytes(payload: StoredPayload): Buffer {
  return Buffer.from(payload.body.buffer);
}
