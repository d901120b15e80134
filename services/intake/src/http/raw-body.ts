import express, { type Request, type RequestHandler } from "express";
import { AppError } from "../errors.js";
import { INGEST_PATH } from "./paths.js";

const RAW = Symbol("rawBody");
type WithRaw = Request & { [RAW]?: Buffer };

/**
 * Captures the ingest body as bytes before anything parses it: malformed JSON is a text
 * payload, never a 400. The validator is then handed the text where the OpenAPI document's
 * schema checks one (TextPayload); the other media types take any payload (AnyPayload: `{}`),
 * so a second copy of a large body is not made for a check that cannot fail.
 */
export function captureRawBody(limitBytes: number): RequestHandler {
  // `Content-Encoding: gzip`, `deflate` or `br` is decompressed as a stream, and `limit`
  // counts the DECOMPRESSED bytes: a gzip bomb is cut off (413) once the limit is passed,
  // the decompressor is destroyed and the rest of the upload is discarded unread, so memory
  // stays within the limit (test/hardening/limits.test.ts). The stored body is the
  // decompressed one.
  const raw = express.raw({ type: () => true, limit: limitBytes, inflate: true });
  return (req, res, next) => {
    if (!INGEST_PATH.test(req.path)) return next();
    raw(req, res, (error?: unknown) => {
      if (error) return next(bodyError(error, req, limitBytes));
      const bytes = Buffer.isBuffer(req.body) ? ownedBytes(req.body) : Buffer.alloc(0);
      (req as WithRaw)[RAW] = bytes;
      req.body = bytes.length && checksText(req) ? bytes.toString("utf8") : undefined;
      next();
    });
  };
}

/** The media types whose ingest schema is TextPayload (openapi/components/requestBodies/IngestPayload.yaml). */
const TEXT_PAYLOAD_TYPES = new Set([
  "text/plain",
  "application/x-www-form-urlencoded",
  "application/xml",
]);

function checksText(req: Request): boolean {
  const type = req.get("content-type")?.split(";")[0]?.trim().toLowerCase();
  return type !== undefined && TEXT_PAYLOAD_TYPES.has(type);
}

export function rawBodyOf(req: Request): Buffer {
  return (req as WithRaw)[RAW] ?? Buffer.alloc(0);
}

/**
 * The body in memory of its own. Node hands out Buffers under 32 KiB as slices of shared
 * 64 KiB slabs, and a call that waits on the database long enough is promoted to V8's old
 * generation, where its Buffers are freed only by a full collection: with memory of its own,
 * the body can be freed as soon as its call is answered (releaseRawBody).
 */
function ownedBytes(bytes: Buffer): Buffer {
  if (bytes.byteOffset === 0 && bytes.buffer.byteLength === bytes.byteLength) return bytes;
  const owned = Buffer.allocUnsafeSlow(bytes.byteLength);
  owned.set(bytes);
  return owned;
}

/**
 * Frees the body's memory now instead of at the next full collection (every view of it then
 * reads as empty). Only once nothing reads it any more: after the call's answer is sent, which
 * is after every write that stores it was acknowledged.
 */
export function releaseRawBody(req: Request): void {
  const bytes = (req as WithRaw)[RAW];
  (req as WithRaw)[RAW] = undefined;
  if (bytes?.buffer instanceof ArrayBuffer && bytes.buffer.byteLength === bytes.byteLength) {
    bytes.buffer.transfer(0);
  }
}

/** Reading errors in the API's words (the encoding, when there is one, is named). */
function bodyError(error: unknown, req: Request, limitBytes: number): unknown {
  const { status, type } = error as { status?: number; type?: string };
  const encoding = req.get("content-encoding")?.trim().toLowerCase();
  const compressed = encoding !== undefined && encoding !== "" && encoding !== "identity";
  if (status === 413) {
    return new AppError(
      "PAYLOAD_TOO_LARGE",
      `The body exceeds the limit of ${limitBytes} bytes${compressed ? ` once decompressed (Content-Encoding: ${encoding})` : ""}; nothing was stored.`,
      { limit: "body-size" },
    );
  }
  if (type === "encoding.unsupported") {
    return new AppError(
      "UNSUPPORTED_MEDIA_TYPE",
      `Content-Encoding '${encoding}' is not supported; send the body as is, or with gzip, deflate or br.`,
    );
  }
  if (status === 400 && compressed) {
    return new AppError(
      "INVALID_REQUEST",
      `The body does not decompress as Content-Encoding '${encoding}' says; nothing was stored.`,
    );
  }
  return error;
}
