#!/usr/bin/env bash
# The `sqibs` command line from a checkout: Node 24 on PATH, built once, and for `init` the
# local FerretDB that scripts/start.sh runs in ./.data when MONGODB_URI is not set.
source "$(dirname "${BASH_SOURCE[0]}")/toolchain.sh"
cd "$SQIBS_ROOT"
if [ ! -f packages/cli/dist/cli.js ]; then
  pnpm install --frozen-lockfile --reporter=silent >&2
  pnpm exec turbo run build --filter=@sqibs/cli... --output-logs=errors-only >&2
fi
if [ -z "${MONGODB_URI:-}" ] && [ -f .data/ferretdb.pid ]; then
  export MONGODB_URI="mongodb://127.0.0.1:$(cut -d' ' -f2 .data/ferretdb.pid)/"
fi
cd "$OLDPWD"
exec node "$SQIBS_ROOT/packages/cli/dist/cli.js" "$@"
