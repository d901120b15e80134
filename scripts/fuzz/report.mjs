// Turns schemathesis' JUnit report into the vitest JSON shape that scripts/summarize-tests.mjs
// sums: one test per API operation (plus "Stateful tests"), failed when any check failed.
// Usage: node report.mjs <junit.xml> <schemathesis stdout> <exit status>  > schemathesis.json
import { existsSync, readFileSync } from "node:fs";

const [junitPath = "", outputPath = "", exitStatus = "0"] = process.argv.slice(2);
const junit = existsSync(junitPath) ? readFileSync(junitPath, "utf8") : "";
const output = existsSync(outputPath) ? readFileSync(outputPath, "utf8") : "";

const decode = (text) =>
  text
    .replaceAll("&lt;", "<")
    .replaceAll("&gt;", ">")
    .replaceAll("&quot;", '"')
    .replaceAll("&apos;", "'")
    .replaceAll("&amp;", "&");

const tests = [];
for (const match of junit.matchAll(
  /<testcase name="([^"]*)"[^>]*?(?:\/>|>([\s\S]*?)<\/testcase>)/g,
)) {
  const body = match[2] ?? "";
  const status = /<(failure|error)\b/.test(body)
    ? "failed"
    : /<skipped\b/.test(body)
      ? "pending"
      : "passed";
  const messages = [
    ...body.matchAll(/<(?:failure|error)\b[^>]*>([\s\S]*?)<\/(?:failure|error)>/g),
  ].map((failure) => decode(failure[1] ?? ""));
  tests.push({
    title: decode(match[1] ?? ""),
    fullName: `schemathesis ${decode(match[1] ?? "")}`,
    status,
    failureMessages: messages,
  });
}
// Operations that answered only 401/403 (a `fail-on` warning; not in the JUnit report).
const authSection =
  /Authentication failed:[^\n]*\n([\s\S]*?)(?:\n💡|\n\n[A-Z])/.exec(output)?.[1] ?? "";
for (const match of authSection.matchAll(/^ {2}- ([A-Z]+ \S+)$/gm)) {
  tests.push({
    title: `${match[1]} answered only 401/403`,
    fullName: `schemathesis ${match[1]} answered only 401/403`,
    status: "failed",
    failureMessages: [`${match[1]}: every call was refused as unauthenticated; it was not tested`],
  });
}
// No report, or schemathesis failed without saying which operation: one failed test says so.
if (tests.length === 0 || (exitStatus !== "0" && !tests.some((test) => test.status === "failed"))) {
  tests.push({
    title: "schemathesis run",
    fullName: "schemathesis run",
    status: "failed",
    failureMessages: [`schemathesis exited with ${exitStatus}; see its output above`],
  });
}

const count = (status) => tests.filter((test) => test.status === status).length;
const generated = Number(/(\d+) generated/.exec(output)?.[1] ?? 0);
process.stderr.write(
  `fuzz: ${generated} cases generated over ${tests.length} operations; ${count("failed")} failed\n`,
);
console.log(
  JSON.stringify(
    {
      numTotalTests: tests.length,
      numPassedTests: count("passed"),
      numFailedTests: count("failed"),
      numPendingTests: count("pending"),
      numTodoTests: 0,
      numFailedTestSuites: 0,
      casesGenerated: generated,
      success: count("failed") === 0,
      testResults: [
        {
          name: "schemathesis",
          status: count("failed") ? "failed" : "passed",
          assertionResults: tests,
        },
      ],
    },
    null,
    2,
  ),
);
