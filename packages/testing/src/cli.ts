#!/usr/bin/env node
// sqibs-devdb: the local FerretDB behind `pnpm start` (in ./.data) — start, stop, path.
import { resolve } from "node:path";
import { parseArgs } from "node:util";
import { ensureFerretDB, findRunning, startFerretDB, stopByPidFile } from "./ferretdb.js";

const { positionals, values } = parseArgs({
  allowPositionals: true,
  options: {
    "data-dir": { type: "string", default: ".data" },
    port: { type: "string", default: "27117" },
  },
});
const dataDir = resolve(values["data-dir"]);

switch (positionals[0]) {
  case "build":
    console.log(await ensureFerretDB());
    break;
  case "start": {
    const running = await findRunning(dataDir);
    const uri = running
      ? running.uri
      : (await startFerretDB({ dataDir, port: Number(values.port), detached: true })).uri;
    // Printed for `eval` in scripts/start.sh.
    console.log(`MONGODB_URI=${uri}`);
    break;
  }
  case "stop":
    await stopByPidFile(dataDir);
    break;
  default:
    console.error("usage: sqibs-devdb build | start [--data-dir .data] [--port 27117] | stop");
    process.exit(2);
}
