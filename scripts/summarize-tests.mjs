// Sums the vitest JSON reports of every suite into the one closing line CI counts.
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";

const dir = process.argv[2] ?? "test-results";
let files = [];
try {
  files = readdirSync(dir).filter((name) => name.endsWith(".json"));
} catch {}
let passed = 0;
let failed = 0;
let skipped = 0;
for (const name of files) {
  const report = JSON.parse(readFileSync(join(dir, name), "utf8"));
  passed += report.numPassedTests;
  failed += report.numFailedTests + (report.numFailedTestSuites ?? 0);
  skipped += report.numPendingTests + (report.numTodoTests ?? 0);
  console.log(
    `  ${name.replace(/\.json$/, "").padEnd(16)} ${report.numPassedTests} passed, ${report.numFailedTests} failed`,
  );
}
console.log(`${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ""}`);
process.exit(failed > 0 || files.length === 0 ? 1 : 0);
