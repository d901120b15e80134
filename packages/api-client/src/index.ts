export { credentials } from "./credentials.js";
export { createClient, createConfig } from "./generated/client/index.js";
export * from "./generated/index.js";
