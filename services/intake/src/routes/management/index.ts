export { accountRoutes } from "./account.js";
export { apiLogRoutes } from "./api-logs.js";
export { incidentRoutes } from "./incidents.js";
export { requestRoutes } from "./requests.js";
export { serviceRoutes } from "./services.js";
export { templateRoutes } from "./templates.js";
export { tokenRoutes } from "./tokens.js";
