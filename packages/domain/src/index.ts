export * from "./decide.js";
export * from "./filter.js";
export * from "./keys.js";
export * from "./lifecycle.js";
export * from "./maintenance.js";
export * from "./payload.js";
export * from "./titles.js";
