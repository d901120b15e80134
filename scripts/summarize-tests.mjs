// Sums the vitest JSON reports of every suite into the one closing line CI counts, after
// naming each failure (CI shows only the tail of the output, so it must say what broke).
import { readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";

const dir = process.argv[2] ?? "test-results";
let files = [];
try {
  files = readdirSync(dir).filter((name) => name.endsWith(".json"));
} catch {}

const firstLines = (text, count) => text.split("\n").slice(0, count).join("\n      ");

let passed = 0;
let failed = 0;
let skipped = 0;
const failures = [];
for (const name of files) {
  const suite = name.replace(/\.json$/, "");
  const report = JSON.parse(readFileSync(join(dir, name), "utf8"));
  // A file that failed without a failed test (an import or hook error) counts as one failure.
  let brokenFiles = 0;
  for (const file of report.testResults ?? []) {
    const where = `${suite}: ${relative(process.cwd(), file.name)}`;
    const failedTests = file.assertionResults.filter((test) => test.status === "failed");
    for (const test of failedTests) {
      failures.push(
        `${where} › ${test.fullName}\n      ${firstLines(test.failureMessages.join("\n"), 6)}`,
      );
    }
    if (file.status === "failed" && failedTests.length === 0) {
      brokenFiles += 1;
      failures.push(
        `${where}\n      ${firstLines(file.message || "failed without a failed test", 6)}`,
      );
    }
  }
  const suiteFailed = report.numFailedTests + brokenFiles;
  passed += report.numPassedTests;
  failed += suiteFailed;
  skipped += report.numPendingTests + (report.numTodoTests ?? 0);
  console.log(`  ${suite.padEnd(16)} ${report.numPassedTests} passed, ${suiteFailed} failed`);
}
if (failures.length > 0)
  console.log(`failures:\n${failures.map((line) => `  ${line}`).join("\n")}`);
console.log(`${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ""}`);
process.exit(failed > 0 || files.length === 0 ? 1 : 0);
