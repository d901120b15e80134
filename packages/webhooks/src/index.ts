export * from "./addresses.js";
export * from "./bodies.js";
export * from "./events.js";
export * from "./limiter.js";
export * from "./retry.js";
export * from "./signing.js";
export * from "./slack.js";
export * from "./urls.js";
