#!/usr/bin/env bash
# Builds optivolt.vsix. The README's screenshots are relative links: they show on a repository page and ship in the
# package, but VS Code's extension details page drops relative and data: image sources (seen in code-server 4.139.1
# with the installed .vsix: 0 of 8 images kept). vsce needs absolute https image URLs for the Marketplace: set
# OPTIVOLT_IMAGES_URL to where the repository's files are published (e.g. https://raw.githubusercontent.com/<org>/<repo>/main/)
# and vsce rewrites the README's relative links against it.
set -eu
cd "$(dirname "$0")/.."
bash scripts/bootstrap.sh
node scripts/build.mjs --production
if [ -n "${OPTIVOLT_IMAGES_URL:-}" ]; then
  exec node_modules/.bin/vsce package --no-dependencies --baseImagesUrl "$OPTIVOLT_IMAGES_URL" --baseContentUrl "$OPTIVOLT_IMAGES_URL" -o optivolt.vsix
fi
exec node_modules/.bin/vsce package --no-dependencies --no-rewrite-relative-links -o optivolt.vsix
