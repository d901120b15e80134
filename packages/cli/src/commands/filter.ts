import { readFile } from "node:fs/promises";
import {
  type FilterTestResult,
  type ServiceFilterInput,
  setServiceFilter,
  testServiceFilter,
} from "@sqibs/api-client";
import type { Command } from "commander";
import { parse } from "yaml";
import { type Context, contextOf, unwrap } from "../context.js";
import { CliError } from "../errors.js";
import { guessContentType, readStdin } from "./send.js";
import { showService } from "./services.js";

interface TestOptions {
  file?: string;
  from?: string;
  contentType?: string;
  filter?: string;
}

export function filterCommand(program: Command): void {
  const filter = program
    .command("filter")
    .description("set a service's API filter, or try a payload against it");

  filter
    .command("set <serviceId> <file>")
    .description("replace the service's filter with the one in <file> (JSON or YAML; - for stdin)")
    .action(async (serviceId: string, file: string, _options: unknown, command: Command) => {
      const context = contextOf(command);
      const text = file === "-" ? (await readStdin()).toString("utf8") : await readText(file);
      const body = parseFilter(text, file);
      const service = await unwrap(
        context,
        setServiceFilter({ client: context.client, path: { serviceId }, body }),
      );
      showService(context, service);
    });

  filter
    .command("test <serviceId>")
    .description(
      "show what /v1/process would do with stdin (or --file) for the service; writes nothing",
    )
    .option("--file <path>", "read the payload from this file instead of stdin")
    .option("--from <name>", "the sender's name, used in titles")
    .option(
      "--content-type <type>",
      "default: application/json when the payload is JSON, else text/plain",
    )
    .option(
      "--filter <file>",
      "try this filter (JSON or YAML, as for filter set) instead of the saved one",
    )
    .action(async (serviceId: string, options: TestOptions, command: Command) => {
      const context = contextOf(command);
      const bytes = options.file
        ? Buffer.from(await readText(options.file), "utf8")
        : await readStdin();
      const inline =
        options.filter === undefined
          ? undefined
          : parseFilter(await readText(options.filter), options.filter);
      const result = await unwrap(
        context,
        testServiceFilter({
          client: context.client,
          path: { serviceId },
          body: {
            payload: bytes.toString("utf8"),
            contentType: options.contentType ?? guessContentType(bytes),
            ...(options.from !== undefined ? { from: options.from } : {}),
            ...(inline ? { filter: inline } : {}),
          },
        }),
      );
      showTrial(context, result);
    });
}

function showTrial(context: Context, result: FilterTestResult): void {
  context.out.result(result, () => {
    const trigger =
      result.triggerIndex === undefined ? "(no triggers: every call)" : `#${result.triggerIndex}`;
    context.out.fields([
      ["Decision", result.decision],
      ["Reason", result.reason],
      ["Trigger", result.decision === "trigger" ? trigger : undefined],
      ["Urgency", result.urgency],
      ["Title", result.title],
      ["Description", result.description],
      ["Correlation", result.correlationKey],
      [
        "Auto-resolve after",
        result.autoResolveAfterSeconds && `${result.autoResolveAfterSeconds} s`,
      ],
      ["In maintenance", result.maintenance],
    ]);
  });
}

async function readText(file: string): Promise<string> {
  try {
    return await readFile(file, "utf8");
  } catch (error) {
    throw new CliError(`cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? error}`);
  }
}

/** JSON is YAML 1.2, so one parser reads both. */
export function parseFilter(text: string, file: string): ServiceFilterInput {
  let value: unknown;
  try {
    value = parse(text);
  } catch (error) {
    throw new CliError(
      `${file} is neither JSON nor YAML: ${(error as Error).message.split("\n")[0]}`,
    );
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new CliError(
      `${file} must hold an object (triggers, resolve… or titleKey, descriptionKey)`,
    );
  }
  return value as ServiceFilterInput;
}
