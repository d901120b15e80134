#!/usr/bin/env node
import { CommanderError } from "commander";
import { describeFailure } from "./errors.js";
import { buildProgram } from "./program.js";

try {
  await buildProgram().exitOverride().parseAsync(process.argv);
} catch (error) {
  if (error instanceof CommanderError) {
    // Commander already printed its one line (or the help); keep its exit code.
    process.exitCode = error.exitCode;
  } else {
    process.stderr.write(`sqibs: ${describeFailure(error)}\n`);
    process.exitCode = (error as { exitCode?: number }).exitCode ?? 1;
  }
}
