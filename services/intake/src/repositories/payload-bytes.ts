import { brotliCompressSync, brotliDecompressSync, constants } from "node:zlib";

/**
 * Large payloads are stored compressed: the database's work on a document grows with its
 * bytes (FerretDB encodes a binary field as base64 inside JSON, logs it, parses it again to
 * index its `_id`, writes it to its journal and then to its table), and alerts compress
 * 10 to 50 times. Brotli at its quality 1 compresses a megabyte in about half a millisecond
 * and gives up as quickly on bytes that do not compress; reading one back takes about a
 * millisecond.
 */
const QUALITY = 1;
/** Kept compressed only when that saves at least an eighth of the bytes. */
const WORTH_IT = 7 / 8;

export interface EncodedBytes {
  bytes: Uint8Array;
  encoding?: "br";
}

/** The bytes to store: compressed when that makes them notably smaller, else as they are. */
export function compressedIfSmaller(body: Uint8Array): EncodedBytes {
  const compressed = brotliCompressSync(body, {
    params: {
      [constants.BROTLI_PARAM_QUALITY]: QUALITY,
      [constants.BROTLI_PARAM_SIZE_HINT]: body.byteLength,
    },
  });
  return compressed.byteLength <= body.byteLength * WORTH_IT
    ? { bytes: compressed, encoding: "br" }
    : { bytes: body };
}

/** The payload as received, from its stored bytes. */
export function decodedBytes({ bytes, encoding }: EncodedBytes): Uint8Array {
  return encoding === "br" ? brotliDecompressSync(bytes) : bytes;
}
