export * from "./ferretdb.js";
export * from "./postgresql.js";
export * from "./processes.js";
export * from "./receiver.js";
export * from "./tcp-proxy.js";
export { uniqueDatabaseName } from "./vitest.js";
