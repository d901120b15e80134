import { getRequest, listRequests } from "@sqibs/api-client";
import type { Command } from "commander";
import { contextOf, unwrap } from "../context.js";
import { type PageOptions, pageLimit, readAll } from "./pages.js";

export function requestsCommand(program: Command): void {
  const requests = program.command("requests").description("list and show requests");

  requests
    .command("list")
    .description("list requests, newest first")
    .option("--limit <n>", "page size (1-100)", pageLimit)
    .option("--cursor <cursor>", "the page after this cursor")
    .option("--all", "every page")
    .action(async (options: PageOptions, command: Command) => {
      const context = contextOf(command);
      const page = await readAll(options, (cursor, limit) =>
        unwrap(
          context,
          listRequests({
            client: context.client,
            query: { ...(limit ? { limit } : {}), ...(cursor ? { cursor } : {}) },
          }),
        ),
      );
      context.out.result(page, () => {
        context.out.table(page.items, [
          ["id", "ID"],
          ["title", "TITLE"],
          ["workflowId", "WORKFLOW"],
          ["source", "SOURCE"],
          ["createdAt", "CREATED"],
        ]);
        if (page.nextCursor) context.out.line(`more: --cursor ${page.nextCursor}`);
      });
    });

  requests
    .command("show <requestId>")
    .description("show a request with its raw payload")
    .action(async (requestId: string, _options: unknown, command: Command) => {
      const context = contextOf(command);
      const request = await unwrap(
        context,
        getRequest({ client: context.client, path: { requestId } }),
      );
      context.out.result(request, () => {
        context.out.fields([
          ["Request", request.id],
          ["Title", request.title],
          ["Workflow", request.workflowId],
          ["Source", request.source],
          ["Created", request.createdAt],
        ]);
        context.out.line("Description:");
        context.out.line(request.description);
      });
    });
}
