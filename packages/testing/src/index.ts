export * from "./ferretdb.js";
export { uniqueDatabaseName } from "./vitest.js";
