export { createApp } from "./app.js";
export { type Config, configWith, loadConfig } from "./config.js";
export { type AppDeps, createContainer } from "./container.js";
export { serviceLauncher } from "./launcher.js";
export { openDatabase } from "./repositories/database.js";
export { createRepositories, ensureIndexes, type Repositories } from "./repositories/index.js";
export { type SeededDatabase, seedDatabase } from "./seed.js";
export { type ApiLogInput, appendApiLog } from "./usecases/api-logs.js";
export {
  type BootstrapInput,
  type BootstrapResult,
  bootstrapAccount,
  findUnfinishedAccount,
  finishAccount,
} from "./usecases/bootstrap.js";
export { issueToken } from "./usecases/tokens.js";
