import { defineConfig } from "@hey-api/openapi-ts";

export default defineConfig({
  input: "../../openapi/bundle/openapi.json",
  output: { path: "src/generated", format: false, lint: false },
  plugins: [
    "@hey-api/client-fetch",
    "@hey-api/typescript",
    { name: "@hey-api/sdk" },
    // The console's limits (maxItems, maxLength…) come from these, not from copies.
    "@hey-api/schemas",
    // Query and mutation options for the console (the `./react-query` entry point).
    "@tanstack/react-query",
  ],
});
