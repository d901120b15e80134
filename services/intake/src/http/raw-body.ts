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
  // A compressed body is decompressed as a stream, and `limit` counts the DECOMPRESSED bytes:
  // a bomb is cut off (413) once the limit is passed, the decompressor is destroyed and the
  // rest of the upload is discarded unread, so memory stays within the limit
  // (test/hardening/limits.test.ts). The stored body is the decompressed one.
  const raw = express.raw({ type: () => true, limit: limitBytes, inflate: true });
  return (req, res, next) => {
    if (!INGEST_PATH.test(req.path)) return next();
    const sent = sentCodingOf(req);
    const coding = contentCoding(sent);
    if (coding === undefined) {
      // RFC 9110 §15.5.16: a 415 for a content coding names the codings that would do.
      res.setHeader("Accept-Encoding", ACCEPT_ENCODING);
      return next(
        new AppError(
          "UNSUPPORTED_MEDIA_TYPE",
          `Content-Encoding '${sent}' is not supported; send the body as is, or with one of ${ACCEPT_ENCODING} (x-gzip is gzip); nothing was stored.`,
        ),
      );
    }
    // The body parser knows each coding by one name only (`x-gzip` is gzip to it).
    if (coding !== "identity") req.headers["content-encoding"] = coding;
    raw(req, res, (error?: unknown) => {
      if (error) return next(bodyError(error, sent, coding !== "identity", limitBytes));
      const bytes = Buffer.isBuffer(req.body) ? ownedBytes(req.body) : Buffer.alloc(0);
      (req as WithRaw)[RAW] = bytes;
      req.body = bytes.length && checksText(req) ? bytes.toString("utf8") : undefined;
      next();
    });
  };
}

/**
 * The content codings the ingest routes take, each decompressed by Node's zlib as a stream
 * (zstd since Node 23.8; the engines field asks for 24). Codings are case-insensitive and
 * `x-gzip` is gzip (RFC 9110 §8.4.1). One coding only: a list (`gzip, br`, which the body
 * parser cannot undo) is refused like an unknown coding, with 415 before the body is read.
 */
const CODINGS: ReadonlyMap<string, string> = new Map([
  ["gzip", "gzip"],
  ["x-gzip", "gzip"],
  ["deflate", "deflate"],
  ["br", "br"],
  ["zstd", "zstd"],
]);
const ACCEPT_ENCODING = [...new Set(CODINGS.values())].join(", ");

/** The request's `Content-Encoding` as sent, trimmed and lower-cased (case-insensitive). */
function sentCodingOf(req: Request): string | undefined {
  return req.get("content-encoding")?.trim().toLowerCase();
}

/** The coding a body is sent with, by the body parser's name; undefined: not one taken. */
export function contentCodingOf(req: Request): string | undefined {
  return contentCoding(sentCodingOf(req));
}

function contentCoding(sent: string | undefined): string | undefined {
  if (sent === undefined || sent === "" || sent === "identity") return "identity";
  return CODINGS.get(sent);
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

/** Reading errors in the API's words (the encoding, when there is one, is named as sent). */
function bodyError(
  error: unknown,
  encoding: string | undefined,
  compressed: boolean,
  limitBytes: number,
): unknown {
  const { status } = error as { status?: number };
  if (status === 413) {
    return new AppError(
      "PAYLOAD_TOO_LARGE",
      `The body exceeds the limit of ${limitBytes} bytes${compressed ? ` once decompressed (Content-Encoding: ${encoding})` : ""}; nothing was stored.`,
      { limit: "body-size" },
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
