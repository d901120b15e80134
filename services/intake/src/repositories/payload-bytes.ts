import { brotliCompressSync, brotliDecompressSync, constants } from "node:zlib";

/**
 * Large payloads are stored compressed when that halves them: the database's work on a
 * document grows with its bytes (FerretDB encodes a binary field as base64 inside JSON, logs
 * it, parses it again to index its `_id`, writes it to its journal and then to its table), and
 * alerts compress 10 to 50 times. Brotli at its quality 1 compresses a megabyte of alerts in
 * about half a millisecond; reading one back takes about a millisecond. Denser bytes (base64,
 * images, encrypted data) are stored as received: a quarter saved did not pay for the
 * compression's CPU and the Buffers it leaves to the garbage collector (bench/README.md).
 */
const QUALITY = 1;
const WORTH_IT = 1 / 2;
/** Judged on this much of the body first, so that dense bodies cost little to turn down. */
const SAMPLE_BYTES = 64 * 1024;

export interface EncodedBytes {
  bytes: Uint8Array;
  encoding?: "br";
}

/** The bytes to store: compressed when that halves them, else as they are. */
export function compressedIfSmaller(body: Uint8Array): EncodedBytes {
  if (body.byteLength > SAMPLE_BYTES * 2 && !compressWithin(body.subarray(0, SAMPLE_BYTES))) {
    return { bytes: body };
  }
  const compressed = compressWithin(body);
  if (!compressed) return { bytes: body };
  // A copy of its own when it is much smaller than the output buffer it is a view of.
  const bytes =
    compressed.byteLength < compressed.buffer.byteLength / 2 ? Buffer.from(compressed) : compressed;
  return { bytes, encoding: "br" };
}

/** The bytes compressed, or undefined when that does not halve them. */
function compressWithin(bytes: Uint8Array): Buffer | undefined {
  const most = Math.max(Math.floor(bytes.byteLength * WORTH_IT), 64);
  try {
    // One output buffer of the largest size worth keeping, instead of 16 KiB chunks joined
    // at the end: garbage that held tens of MiB of Buffers between collections.
    return brotliCompressSync(bytes, {
      chunkSize: most,
      maxOutputLength: most,
      params: {
        [constants.BROTLI_PARAM_QUALITY]: QUALITY,
        [constants.BROTLI_PARAM_SIZE_HINT]: bytes.byteLength,
      },
    });
  } catch (error) {
    if ((error as { code?: string }).code === "ERR_BUFFER_TOO_LARGE") return undefined;
    throw error;
  }
}

/** The payload as received, from its stored bytes. */
export function decodedBytes({ bytes, encoding }: EncodedBytes): Uint8Array {
  return encoding === "br" ? brotliDecompressSync(bytes) : bytes;
}
