#!/usr/bin/env bash
# Install the npm tools the GitHub tests use into .node-tools/ (repo-local, git-ignored):
# @octokit/openapi (GitHub's OpenAPI description), @stoplight/prism-cli (the validating mock),
# @octokit/webhooks-examples (real event payloads). Versions are pinned by
# tests/contract/package.json and its package-lock.json; `npm ci` installs exactly those.
# Idempotent and offline-tolerant: when .node-tools already holds this lock file's install,
# it does nothing and needs no network.
set -euo pipefail
cd "$(dirname "$0")/.."

dest=.node-tools
src=tests/contract

if ! command -v npm >/dev/null 2>&1; then
  echo "install-node-tools: npm not found; the GitHub contract and webhook-payload tests need Node >= 18.20" >&2
  exit 1
fi

stamp="$dest/.installed-lock.sha256"
want=$(sha256sum "$src/package-lock.json" | cut -d' ' -f1)
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ] && [ -d "$dest/node_modules/@stoplight/prism-cli" ]; then
  exit 0
fi

mkdir -p "$dest"
cp "$src/package.json" "$src/package-lock.json" "$dest/"
npm ci --prefix "$dest" --no-audit --no-fund --loglevel=error
echo "$want" >"$stamp"
