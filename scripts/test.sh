#!/usr/bin/env bash
# The whole test suite from a fresh clone: toolchain, install, codegen, build, drift and lint
# checks, then every package's tests against a throwaway FerretDB (or MONGODB_URI when set).
# Ends with one line "N passed, M failed" summing every suite.
source "$(dirname "${BASH_SOURCE[0]}")/toolchain.sh"
cd "$SQIBS_ROOT"

echo "==> install" >&2
pnpm install --frozen-lockfile --reporter=silent

echo "==> build (bundle the OpenAPI document, generate the client, compile)" >&2
pnpm exec turbo run build --output-logs=errors-only

echo "==> console first-load JavaScript (the build fails above its budget)" >&2
node packages/console/scripts/check-bundle-size.mjs | tail -1

echo "==> generated files match the spec" >&2
if git rev-parse --git-dir >/dev/null 2>&1; then
  if ! git diff --exit-code --stat -- openapi/bundle packages/api-client/src/generated; then
    echo "The bundled spec or the generated client differ from what is committed: run 'pnpm build' and commit." >&2
    exit 1
  fi
fi

echo "==> lint and typecheck" >&2
pnpm exec turbo run lint typecheck --output-logs=errors-only

if [ -z "${MONGODB_URI:-}" ]; then
  echo "==> FerretDB (built once per machine, then cached)" >&2
  node packages/testing/dist/cli.js build >/dev/null
fi

echo "==> tests" >&2
rm -rf test-results
status=0
pnpm exec turbo run test --concurrency=1 --continue --output-logs=full || status=$?

echo "==> fuzz (schemathesis against the live service; scripts/fuzz/run.sh)" >&2
bash scripts/fuzz/run.sh || status=$?

node scripts/summarize-tests.mjs test-results || status=$?
exit "$status"
