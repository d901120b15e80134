// For scripts/fuzz/run.sh, on MONGODB_URI / MONGODB_DB:
//   node bootstrap.mjs           creates an account and prints `GLOBAL_TOKEN=…`, `ADMIN_TOKEN=…`,
//                                `SPARE_TOKEN_ID=…` (a token the fuzzer may rotate and revoke)
//                                and `SETTINGS_ADMIN_TOKEN=…` (the admin token of a second
//                                account, whose settings the fuzzer may change) for `eval`; the
//                                secrets go nowhere else
//   node bootstrap.mjs sessions <url>
//                                with ADMIN_TOKEN set: opens two console sessions through the
//                                API and prints `SESSION=…` (for GET /v1/sessions) and
//                                `SIGN_OUT_SESSION=…`, `SIGN_OUT_CSRF=…` (for DELETE)
//   node bootstrap.mjs drop      drops the database (when it is not a throwaway FerretDB)
import {
  bootstrapAccount,
  createRepositories,
  ensureIndexes,
  issueToken,
  openDatabase,
} from "../../services/intake/dist/index.js";

if (process.argv[2] === "sessions") {
  const openSession = async () => {
    const response = await fetch(`${process.argv[3]}/v1/sessions`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ token: process.env.ADMIN_TOKEN }),
    });
    if (response.status !== 201) throw new Error(`POST /v1/sessions: ${response.status}`);
    const cookie = /sqibs_session=([^;]+)/.exec(response.headers.get("set-cookie") ?? "")?.[1];
    return { cookie, csrf: (await response.json()).csrfToken };
  };
  const read = await openSession();
  const signOut = await openSession();
  console.log(`SESSION=${read.cookie}`);
  console.log(`SIGN_OUT_SESSION=${signOut.cookie}`);
  console.log(`SIGN_OUT_CSRF=${signOut.csrf}`);
  process.exit(0);
}

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
    const deps = { repositories, clock: () => new Date() };
    const { account, globalToken, adminToken } = await bootstrapAccount(deps, {
      accountName: "Fuzz",
      language: "en",
    });
    const spare = await issueToken(deps, { accountId: account.id, name: "spare", scope: "global" });
    const settings = await bootstrapAccount(deps, { accountName: "Fuzz settings", language: "en" });
    console.log(`GLOBAL_TOKEN=${globalToken.secret}`);
    console.log(`ADMIN_TOKEN=${adminToken.secret}`);
    console.log(`SPARE_TOKEN_ID=${spare.token.id}`);
    console.log(`SETTINGS_ADMIN_TOKEN=${settings.adminToken.secret}`);
  }
} finally {
  await database.close();
}
