#!/usr/bin/env bash
# A separate virtualenv (.evidently-venv/) where Evidently imports: Evidently 0.7 does not import
# with pandas 3, which mlgate's own .venv has. tests/test_drift_evidently.py runs in it (see
# scripts/test.sh), so mlgate's drift decisions are checked against Evidently itself, not assumed.
# Idempotent: a second run only checks that Evidently imports.
set -euo pipefail
cd "$(dirname "$0")/.."

python=${PYTHON:-python3}
venv=.evidently-venv
[ -x "$venv/bin/python" ] || "$python" -m venv "$venv"
if ! "$venv/bin/python" -c 'import evidently.legacy.report, mlgate.drift, hypothesis' 2>/dev/null; then
  "$venv/bin/python" -m pip install --quiet --upgrade pip
  # pytest and hypothesis for the test and tests/conftest.py; mlgate[drift] editable so the test runs this checkout's code.
  "$venv/bin/python" -m pip install --quiet 'pandas>=2.2.2,<3' 'evidently==0.7.23' pytest hypothesis -e '.[drift]'
fi
"$venv/bin/python" -c 'import evidently.legacy.report'
