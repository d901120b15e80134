// For scripts/fuzz/run.sh, on MONGODB_URI / MONGODB_DB:
//   node bootstrap.mjs        creates an account and prints `GLOBAL_TOKEN=…` and `ADMIN_TOKEN=…`
//                             (for `eval`; the secrets go nowhere else)
//   node bootstrap.mjs drop   drops the database (when it is not a throwaway FerretDB)
import {
  bootstrapAccount,
  createRepositories,
  ensureIndexes,
  openDatabase,
} from "../../services/intake/dist/index.js";

const database = openDatabase({
  uri: process.env.MONGODB_URI,
  dbName: process.env.MONGODB_DB,
  timeoutMs: 10_000,
});
try {
  if (process.argv[2] === "drop") {
    await database.db.dropDatabase();
  } else {
    const repositories = createRepositories(database);
    await ensureIndexes(repositories);
    const { globalToken, adminToken } = await bootstrapAccount(
      { repositories, clock: () => new Date() },
      { accountName: "Fuzz", language: "en" },
    );
    console.log(`GLOBAL_TOKEN=${globalToken.secret}`);
    console.log(`ADMIN_TOKEN=${adminToken.secret}`);
  }
} finally {
  await database.close();
}
