export { credentials } from "./credentials.js";
export { type Client, createClient, createConfig } from "./generated/client/index.js";
export * from "./generated/index.js";
