#!/usr/bin/env bash
# Copies this example into its own git repository (a pipeline file lives at a
# repository's root) and prints the path to trigger:  ./init-repo.sh [DIR]
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
target="${1:-${TMPDIR:-/tmp}/gantry-webapp}"
rm -rf "$target"
mkdir -p "$target"
cp -r "$here/." "$target/"
rm -f "$target/init-repo.sh"
cd "$target"
git init -q -b main
git add .
git -c user.name="Gantry Example" -c user.email="example@gantry.invalid" commit -q -m "webapp example"
echo "$target"
