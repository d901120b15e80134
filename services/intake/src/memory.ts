import { setFlagsFromString } from "node:v8";

/**
 * Keeps the heap near what the service really holds (about 35 MB under load) instead of
 * letting V8 grow it to several times that, as it does by default on a machine with memory
 * to spare (the service peaked above 300 MB RSS at 64 connections; 150 MB with these).
 * Requests wait on the database long enough to survive young-generation collections, so
 * most of what they allocate is promoted: a young generation that does not grow keeps each
 * scavenge small, and a lower growing factor collects the old generation before it doubles.
 * Both are consulted at every collection, so they take effect when set at start-up. The young
 * generation stays at the size loading the modules grew it to (4 MiB semi-spaces; V8 raises a
 * growth factor below 2 given on the command line to 2, so only this late setting holds it);
 * fixed larger ones promote less but peaked higher (bench/README.md, "Service memory: a larger
 * young generation"). A flag given on the command line or in NODE_OPTIONS wins.
 */
const TUNING = ["--semi-space-growth-factor=1", "--heap-growing-percent=50"];

const given = [...process.execArgv, ...(process.env.NODE_OPTIONS ?? "").split(/\s+/)].map((flag) =>
  flag.replaceAll("_", "-"),
);
for (const flag of TUNING) {
  const name = flag.slice(0, flag.indexOf("="));
  if (!given.some((option) => option === name || option.startsWith(`${name}=`))) {
    setFlagsFromString(flag);
  }
}
