#!/usr/bin/env bash
# Deploys dist/ to a directory standing in for an environment:
# ${WEBAPP_DEPLOY_ROOT:-/tmp/webapp-deployments}/<environment>.
set -eo pipefail
environment="${1:?usage: deploy.sh ENVIRONMENT}"
target="${WEBAPP_DEPLOY_ROOT:-/tmp/webapp-deployments}/${environment}"
mkdir -p "$target"
cp -r dist/. "$target/"
echo "deployed $(cat dist/version.json) to ${environment} (${target})"
find dist -type f -print0 | sort -z | xargs -0 sha256sum
