export { credentials } from "./credentials.js";
export { type Client, createClient, createConfig } from "./generated/client/index.js";
/** The client the generated SDK and query options use unless given another (the console's). */
export { client } from "./generated/client.gen.js";
export * from "./generated/index.js";
