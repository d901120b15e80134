#!/usr/bin/env bash
# Starts the service from a fresh clone: toolchain, install, build, then a local FerretDB in
# ./.data (or MONGODB_URI unchanged when set). Ctrl-C stops both.
source "$(dirname "${BASH_SOURCE[0]}")/toolchain.sh"
cd "$SQIBS_ROOT"

pnpm install --frozen-lockfile --reporter=silent
pnpm exec turbo run build --output-logs=errors-only

if [ -z "${MONGODB_URI:-}" ]; then
  eval "$(node packages/testing/dist/cli.js start --data-dir .data --port "${SQIBS_DB_PORT:-27117}")"
  export MONGODB_URI
  trap 'node packages/testing/dist/cli.js stop --data-dir .data' EXIT
  echo "database: local FerretDB in ./.data ($MONGODB_URI)" >&2
fi

# The web console is served by the service itself (README "Dashboard").
console_base="${PUBLIC_BASE_URL:-http://${HOST:-127.0.0.1}:${PORT:-3000}}"
echo "console: ${console_base%/}/console/ (sign in with an admin token; scripts/sqibs.sh init prints one)" >&2

# The service runs as a child the script waits for, so that a SIGTERM or SIGHUP sent to the
# script (a process manager, a closed terminal) stops it too, gracefully, and the database
# after it; Ctrl-C reaches both anyway.
services/intake/bin/sqibs-intake &
service=$!
trap 'kill -TERM "$service" 2>/dev/null' INT TERM HUP
status=0
wait "$service" || status=$?
# A trapped signal ends that wait early: wait again, for the service's own exit status.
if [ "$status" -gt 128 ]; then
  status=0
  wait "$service" || status=$?
fi
exit "$status"
