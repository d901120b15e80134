// The service's layers, one way (docs/adr/0002-scaling.md names the collections; README
// "Layout" the folders). Run by `pnpm lint` (and so by scripts/test.sh):
//
//   server.ts / app.ts / index.ts   wiring: may import anything below
//   routes/   jobs/                 HTTP routes and background jobs: read input, call use cases
//   http/                           Express plumbing: auth extraction, problems, views, limits
//   usecases/                       the service's decisions (with packages/domain's rules)
//   container.ts                    the dependency container handed to all of the above
//   repositories/                   the only code that talks to the database (mongodb)
//   config, errors, logging, metrics, memory: leaves every layer may use
//
// Nothing imports a layer above its own, and there is no cycle (type-only imports included).

const LAYERS = {
  wiring: "^src/(app|server|index)\\.ts$",
  routes: "^src/routes/",
  jobs: "^src/jobs/",
  http: "^src/http/",
  usecases: "^src/usecases/",
  container: "^src/container\\.ts$",
  repositories: "^src/repositories/",
  leaves: "^src/(config|errors|logging|metrics|memory)\\.ts$",
};

/** A rule that keeps `layer` from importing any of `above`. */
const below = (layer, above, comment) => ({
  name: `${layer}-imports-no-layer-above`,
  comment,
  severity: "error",
  from: { path: LAYERS[layer] },
  to: { path: above.map((name) => LAYERS[name]) },
});

module.exports = {
  forbidden: [
    {
      name: "no-circular",
      comment: "An import cycle ties two modules into one: break it (type-only imports count).",
      severity: "error",
      from: {},
      to: { circular: true },
    },
    below(
      "repositories",
      ["wiring", "routes", "jobs", "http", "usecases", "container"],
      "Repositories sit at the bottom: they know the database, nothing of who calls them.",
    ),
    below(
      "container",
      ["wiring", "routes", "jobs", "http", "usecases"],
      "The container holds repositories, config and metrics; use cases take it, not the reverse.",
    ),
    below(
      "usecases",
      ["wiring", "routes", "jobs", "http"],
      "Use cases know nothing of HTTP: they take plain inputs and return typed results.",
    ),
    below(
      "http",
      ["wiring", "routes", "jobs"],
      "The HTTP plumbing serves the routes; it never reaches up into them.",
    ),
    below("routes", ["wiring", "jobs"], "Routes are wired by app.ts, not the other way round."),
    below("jobs", ["wiring", "routes", "http"], "Background jobs call use cases, not HTTP."),
    below(
      "leaves",
      ["wiring", "routes", "jobs", "http", "usecases", "container", "repositories"],
      "Config, errors, logging and metrics are leaves every layer may import.",
    ),
    {
      name: "routes-go-through-use-cases",
      comment: "Routes read input and call use cases; data access is theirs to do.",
      severity: "error",
      from: { path: LAYERS.routes },
      to: { path: LAYERS.repositories },
    },
    {
      name: "only-repositories-import-mongodb",
      comment: "ObjectId, Binary and the driver stay inside repositories/ (sealed persistence).",
      severity: "error",
      from: { path: "^src/", pathNot: LAYERS.repositories },
      to: { path: "node_modules/mongodb/" },
    },
    {
      name: "express-stays-in-http-and-routes",
      comment: "Use cases, repositories and jobs are free of Express.",
      severity: "error",
      from: { path: [LAYERS.usecases, LAYERS.repositories, LAYERS.jobs, LAYERS.container] },
      to: { path: "node_modules/express/" },
    },
  ],
  options: {
    doNotFollow: { path: "node_modules" },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: "tsconfig.json" },
    enhancedResolveOptions: {
      exportsFields: ["exports"],
      conditionNames: ["import", "require", "node", "default", "types"],
      extensions: [".ts", ".js"],
    },
  },
};
