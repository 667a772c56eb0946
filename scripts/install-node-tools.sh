#!/usr/bin/env bash
# The npm tools the GitHub tests use, into .node-tools/: @octokit/openapi (GitHub's OpenAPI
# description), @stoplight/prism-cli (the validating mock), @octokit/webhooks-examples (real
# event payloads), pinned by tests/contract/package.json and its lock file.
exec "$(dirname "$0")/npm-ci-pinned.sh" tests/contract .node-tools @stoplight/prism-cli \
  "the GitHub contract and webhook-payload tests"
