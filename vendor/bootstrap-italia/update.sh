#!/usr/bin/env bash
# Re-creates dist/ from the npm registry's bootstrap-italia package (version in package.json).
# Only what the server embeds is kept: the CSS, the SVG sprite and the woff2 fonts with their
# licences. The JavaScript bundle is not shipped: every page works without JavaScript.
set -euo pipefail
cd "$(dirname "$0")"
npm install --no-audit --no-fund --ignore-scripts >/dev/null
src=node_modules/bootstrap-italia
rm -rf dist && mkdir -p dist/css dist/svg dist/fonts
cp "$src/LICENSE" LICENSE
cp "$src/dist/css/bootstrap-italia.min.css" dist/css/
cp "$src/dist/svg/sprites.svg" dist/svg/
for family in Titillium_Web Roboto_Mono Lora; do
  mkdir -p "dist/fonts/$family"
  cp "$src/dist/fonts/$family/"*.woff2 "dist/fonts/$family/"
  cp "$src/dist/fonts/$family/"LICENSE* "dist/fonts/$family/" 2>/dev/null || true
done
rm -rf node_modules
echo "vendored bootstrap-italia $(node -p "require('$PWD/package-lock.json').packages['node_modules/bootstrap-italia'].version")"
