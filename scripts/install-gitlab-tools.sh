#!/usr/bin/env bash
# gitlab-ci-local (npm) for the GitLab CI/CD component tests, into .gitlab-tools/, pinned by
# tests/gitlab-tools/package.json and its lock file (4.70.0: the last that runs on Node 20).
# It copies the repository with rsync, so rsync comes from apt where it is missing.
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v rsync >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ]; then apt_get=(apt-get); else apt_get=(sudo apt-get); fi
  "${apt_get[@]}" update -qq >/dev/null && "${apt_get[@]}" install -y -qq rsync >/dev/null
fi
exec "$(dirname "$0")/npm-ci-pinned.sh" tests/gitlab-tools .gitlab-tools gitlab-ci-local \
  "the GitLab CI/CD component tests"
