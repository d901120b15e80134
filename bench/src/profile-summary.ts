#!/usr/bin/env node
/** node dist/profile-summary.js <file.cpuprofile>...: where a Node process spent its CPU time. */
import { summarizeProfile, topTable } from "./profile.js";

const files = process.argv.slice(2);
if (!files.length) {
  process.stderr.write("usage: node dist/profile-summary.js <file.cpuprofile>...\n");
  process.exit(2);
}
process.stdout.write(`${files.join("\n")}\n${topTable(summarizeProfile(files))}\n`);
