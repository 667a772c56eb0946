#!/usr/bin/env bash
# Install the npm packages pinned by SRC/package.json and SRC/package-lock.json into DEST
# (repo-local, git-ignored) with `npm ci`. Idempotent and offline-tolerant: when DEST already
# holds this lock file's install (and PROBE, a package it must contain), it does nothing and
# needs no network.
# Usage: scripts/npm-ci-pinned.sh SRC DEST PROBE WHAT-FOR
set -euo pipefail
cd "$(dirname "$0")/.."
src=$1 dest=$2 probe=$3 what_for=$4

if ! command -v npm >/dev/null 2>&1; then
  echo "$(basename "$dest"): npm not found; $what_for need Node >= 18.20" >&2
  exit 1
fi

stamp="$dest/.installed-lock.sha256"
want=$(sha256sum "$src/package-lock.json" | cut -d' ' -f1)
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ] && [ -d "$dest/node_modules/$probe" ]; then
  exit 0
fi

mkdir -p "$dest"
cp "$src/package.json" "$src/package-lock.json" "$dest/"
npm ci --prefix "$dest" --no-audit --no-fund --loglevel=error
echo "$want" >"$stamp"
