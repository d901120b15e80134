# Sourced by every project script: puts Node 24 and the pinned pnpm on PATH.
# When the machine's node is older, Node 24 comes from the npm registry package
# node-linux-<arch>@24 into ./.tools (git-ignored); pnpm the same way when missing.
# shellcheck shell=bash
set -euo pipefail

SQIBS_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
SQIBS_TOOLS="$SQIBS_ROOT/.tools"
NODE_MAJOR_WANTED=24
PNPM_VERSION="$(sed -n 's/.*"packageManager": *"pnpm@\([^"]*\)".*/\1/p' "$SQIBS_ROOT/package.json")"

node_major() { node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0; }

ensure_node() {
  local bin="$SQIBS_TOOLS/node/node_modules/node-linux-$1/bin"
  if [ "$(node_major)" -ge "$NODE_MAJOR_WANTED" ]; then return; fi
  if [ ! -x "$bin/node" ]; then
    echo "toolchain: node $(node --version 2>/dev/null || echo none) is older than $NODE_MAJOR_WANTED; installing node-linux-$1@$NODE_MAJOR_WANTED into .tools/node" >&2
    npm install --silent --no-audit --no-fund --prefix "$SQIBS_TOOLS/node" "node-linux-$1@$NODE_MAJOR_WANTED" >&2
  fi
  export PATH="$bin:$PATH"
}

ensure_pnpm() {
  if command -v pnpm >/dev/null 2>&1 && [ "$(pnpm --version 2>/dev/null)" = "$PNPM_VERSION" ]; then return; fi
  local bin="$SQIBS_TOOLS/pnpm/node_modules/.bin"
  if [ ! -x "$bin/pnpm" ] || [ "$("$bin/pnpm" --version)" != "$PNPM_VERSION" ]; then
    echo "toolchain: installing pnpm@$PNPM_VERSION into .tools/pnpm" >&2
    npm install --silent --no-audit --no-fund --prefix "$SQIBS_TOOLS/pnpm" "pnpm@$PNPM_VERSION" >&2
  fi
  export PATH="$bin:$PATH"
}

case "$(uname -m)" in
  x86_64) ensure_node x64 ;;
  aarch64 | arm64) ensure_node arm64 ;;
  *) echo "toolchain: unsupported CPU $(uname -m); install Node $NODE_MAJOR_WANTED yourself" >&2; exit 1 ;;
esac
ensure_pnpm
export COREPACK_ENABLE_STRICT=0
export TURBO_TELEMETRY_DISABLED=1
export DO_NOT_TRACK=1
export REDOCLY_TELEMETRY=off
export REDOCLY_SUPPRESS_UPDATE_NOTICE=true
