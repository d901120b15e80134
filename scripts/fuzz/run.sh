#!/usr/bin/env bash
# Fuzzes the live service with schemathesis against the bundled spec
# (openapi/bundle/openapi.json), every check (`--checks all`) and every phase, the stateful one
# following the spec's links: fails on any 5xx, any answer that breaks the spec, any request
# the spec allows that is refused as malformed, and any operation that answered only 401/403
# (scripts/fuzz/schemathesis.toml). Fixed seed (SCHEMATHESIS_SEED=<n> tries another), bounded
# cases.
#
# Starts what it needs and stops it on exit: a throwaway FerretDB (or MONGODB_URI when set),
# a fresh account (scripts/fuzz/bootstrap.mjs), the built service on a free port. Writes
# test-results/schemathesis.json in the vitest JSON shape, one test per operation, for
# scripts/summarize-tests.mjs. Run after `pnpm build` (scripts/test.sh does).
source "$(dirname "${BASH_SOURCE[0]}")/../toolchain.sh"
cd "$SQIBS_ROOT"

SCHEMATHESIS_VERSION=4.32.5
VENV="$SQIBS_TOOLS/schemathesis"
if [ ! -x "$VENV/bin/schemathesis" ] || [ "$("$VENV/bin/python" -c 'import importlib.metadata as m; print(m.version("schemathesis"))' 2>/dev/null)" != "$SCHEMATHESIS_VERSION" ]; then
  echo "fuzz: installing schemathesis $SCHEMATHESIS_VERSION into .tools/schemathesis" >&2
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install --quiet --disable-pip-version-check "schemathesis==$SCHEMATHESIS_VERSION" >&2
fi

work="$(mktemp -d "${TMPDIR:-/tmp}/sqibs-fuzz.XXXXXX")"
service_pid=""
own_db=""
cleanup() {
  if [ -n "$service_pid" ] && kill -0 "$service_pid" 2>/dev/null; then
    kill -TERM "$service_pid" 2>/dev/null || true
    for _ in $(seq 1 100); do kill -0 "$service_pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$service_pid" 2>/dev/null || true
  fi
  if [ -n "$own_db" ]; then
    node packages/testing/dist/cli.js stop --data-dir "$work/db" >/dev/null 2>&1 || true
  elif [ -n "${MONGODB_DB:-}" ]; then
    node scripts/fuzz/bootstrap.mjs drop >/dev/null 2>&1 || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

free_port() {
  node --input-type=module -e 'import { freePort } from "./packages/testing/dist/index.js"; console.log(await freePort());'
}

if [ -z "${MONGODB_URI:-}" ]; then
  own_db=1
  eval "$(node packages/testing/dist/cli.js start --data-dir "$work/db" --port "$(free_port)")"
fi
export MONGODB_URI
export MONGODB_DB="fuzz_$(date +%s)_$$"
eval "$(node scripts/fuzz/bootstrap.mjs)"

port="$(free_port)"
# Rate limits off: the fuzzer sends well over 600 calls a minute with one token. Webhook
# attempts time out after 3 s, not 10: POST /v1/webhooks/{id}/test answers after its attempt,
# and the generated hosts may take the whole timeout to fail, past the fuzzer's 10 s. At most
# 5 webhooks: each gets every incident the fuzzer opens, and none of their hosts answers.
PORT="$port" HOST=127.0.0.1 LOG_LEVEL=warn RATE_LIMIT_PER_MINUTE=0 ACCOUNT_RATE_LIMIT_PER_MINUTE=0 \
  WEBHOOK_TIMEOUT_MS=3000 MAX_WEBHOOKS_PER_ACCOUNT=5 \
  node services/intake/dist/server.js >"$work/service.log" 2>&1 &
service_pid=$!
for _ in $(seq 1 100); do
  grep -q "listening on" "$work/service.log" 2>/dev/null && break
  kill -0 "$service_pid" 2>/dev/null || { cat "$work/service.log" >&2; exit 1; }
  sleep 0.1
done
eval "$(ADMIN_TOKEN="$ADMIN_TOKEN" node scripts/fuzz/bootstrap.mjs sessions "http://127.0.0.1:$port")"

seed=()
[ -n "${SCHEMATHESIS_SEED:-}" ] && seed=(--seed "$SCHEMATHESIS_SEED")
echo "==> fuzz: schemathesis $SCHEMATHESIS_VERSION against http://127.0.0.1:$port" >&2
status=0
SQIBS_FUZZ_GLOBAL_TOKEN="$GLOBAL_TOKEN" SQIBS_FUZZ_ADMIN_TOKEN="$ADMIN_TOKEN" \
  SQIBS_FUZZ_SPARE_TOKEN_ID="$SPARE_TOKEN_ID" SQIBS_FUZZ_SETTINGS_ADMIN_TOKEN="$SETTINGS_ADMIN_TOKEN" \
  SQIBS_FUZZ_SESSION="$SESSION" \
  SQIBS_FUZZ_SIGN_OUT_SESSION="$SIGN_OUT_SESSION" SQIBS_FUZZ_SIGN_OUT_CSRF="$SIGN_OUT_CSRF" \
  "$VENV/bin/schemathesis" --no-color --config-file scripts/fuzz/schemathesis.toml run \
  openapi/bundle/openapi.json --url "http://127.0.0.1:$port" \
  --checks all --phases examples,coverage,fuzzing,stateful "${seed[@]}" \
  --report junit --report-junit-path "$work/junit.xml" </dev/null | tee "$work/schemathesis.out" || status=$?

if ! kill -0 "$service_pid" 2>/dev/null; then
  echo "fuzz: the service died during the run:" >&2
  cat "$work/service.log" >&2
  status=1
fi
mkdir -p test-results
node scripts/fuzz/report.mjs "$work/junit.xml" "$work/schemathesis.out" "$status" \
  >test-results/schemathesis.json || status=1
exit "$status"
