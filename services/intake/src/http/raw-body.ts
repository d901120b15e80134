import express, { type Request, type RequestHandler } from "express";

const RAW = Symbol("rawBody");
type WithRaw = Request & { [RAW]?: Buffer };

/** Ingest paths, at the root and under the hosted-style /sqibs-api prefix. */
export const INGEST_PATH = /^(\/sqibs-api)?\/v1\/(process|request)\/?$/;

/**
 * Captures the ingest body as bytes before anything parses it: malformed JSON is a text
 * payload, never a 400. The validator is then handed the text, which is what the OpenAPI
 * document describes for every accepted media type.
 */
export function captureRawBody(limitBytes: number): RequestHandler {
  const raw = express.raw({ type: () => true, limit: limitBytes });
  return (req, res, next) => {
    if (!INGEST_PATH.test(req.path)) return next();
    raw(req, res, (error?: unknown) => {
      if (error) return next(error);
      const bytes = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
      (req as WithRaw)[RAW] = bytes;
      req.body = bytes.length ? bytes.toString("utf8") : undefined;
      next();
    });
  };
}

export function rawBodyOf(req: Request): Buffer {
  return (req as WithRaw)[RAW] ?? Buffer.alloc(0);
}
