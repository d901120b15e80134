/**
 * The floor: the least any intake can do. A bare node:http server that reads the body and
 * stores it with one insertOne, with the same driver, write concern and server-selection and
 * connect timeouts as the service (services/intake/src/repositories/database.ts), then
 * answers 201. It has no socket timeout: a slow database makes it slow, not fail.
 * Run as a child process (its own RSS): MONGODB_URI, MONGODB_DB, PORT, HOST.
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import { Binary, MongoClient } from "mongodb";

const uri = required("MONGODB_URI");
const dbName = required("MONGODB_DB");
const port = Number(process.env.PORT ?? "0");
const host = process.env.HOST ?? "127.0.0.1";
const timeoutMs = Number(process.env.DB_TIMEOUT_MS ?? "2000");

const client = new MongoClient(uri, {
  serverSelectionTimeoutMS: timeoutMs,
  connectTimeoutMS: timeoutMs,
  writeConcern: { w: "majority", journal: true },
  appName: "sqibs-bench-floor",
});
const payloads = client.db(dbName).collection("payloads");

function required(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is required`);
  return value;
}

function send(res: ServerResponse, status: number, body: object) {
  const json = JSON.stringify(body);
  res.writeHead(status, {
    "content-type": "application/json",
    "content-length": Buffer.byteLength(json),
  });
  res.end(json);
}

async function handle(req: IncomingMessage, res: ServerResponse) {
  if (req.method === "GET" && req.url === "/readyz") {
    await client.db(dbName).command({ ping: 1 });
    return send(res, 200, { status: "ready" });
  }
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const body = Buffer.concat(chunks);
  const result = await payloads.insertOne({
    body: new Binary(body),
    contentType: req.headers["content-type"] ?? null,
    at: new Date(),
  });
  send(res, 201, { id: result.insertedId.toHexString() });
}

const server = createServer((req, res) => {
  handle(req, res).catch((error: unknown) => {
    if (!res.headersSent) send(res, 503, { detail: String(error) });
    else res.destroy();
  });
});
server.listen(port, host, () => {
  const address = server.address();
  const bound = typeof address === "object" && address ? address.port : port;
  process.stdout.write(`floor listening on http://${host}:${bound}\n`);
});

function shutdown() {
  server.close(() => {
    client.close().finally(() => process.exit(0));
  });
  server.closeIdleConnections();
  // A client still sending (the bench interrupted) does not hold the exit up.
  setTimeout(() => server.closeAllConnections(), 1_000).unref();
}
process.on("SIGTERM", shutdown);
process.on("SIGINT", shutdown);
