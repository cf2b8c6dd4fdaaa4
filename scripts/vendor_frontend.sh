#!/usr/bin/env bash
# Copy the compiled GOV.UK Frontend and htmx files pinned in package-lock.json into
# static/vendor/, so Homeward needs no Node at run time (ARCHITECTURE.md "Interfaces":
# no JavaScript build step). Run after changing package.json; commit the result.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

cp "$root/package.json" "$root/package-lock.json" "$work/"
(cd "$work" && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error)

govuk_dist="$work/node_modules/govuk-frontend/dist/govuk"
govuk_out="$root/static/vendor/govuk-frontend"
htmx_out="$root/static/vendor/htmx"

rm -rf "$govuk_out" "$htmx_out"
mkdir -p "$govuk_out" "$htmx_out"

# The compiled CSS points at /assets/...; Django serves them under /static/vendor/.
sed 's#url(/assets/#url(/static/vendor/govuk-frontend/assets/#g' \
  "$govuk_dist/govuk-frontend.min.css" >"$govuk_out/govuk-frontend.min.css"
if grep -q 'url(/assets/' "$govuk_out/govuk-frontend.min.css"; then
  echo "vendor_frontend: unrewritten /assets/ URLs remain in govuk-frontend.min.css" >&2
  exit 1
fi
cp "$govuk_dist/govuk-frontend.min.js" "$govuk_out/"
cp -R "$govuk_dist/assets" "$govuk_out/assets"
# A council service, not GOV.UK: Arial, and no GOV.UK typeface, crown or icons.
python3 "$root/scripts/rebrand_frontend.py" "$govuk_out"
# Keep the version (and, where the package ships one, the licence) with the files.
node -p "require('$work/node_modules/govuk-frontend/package.json').version" >"$govuk_out/VERSION"

cp "$work/node_modules/htmx.org/dist/htmx.min.js" "$htmx_out/"
cp "$work/node_modules/htmx.org/LICENSE" "$htmx_out/"
node -p "require('$work/node_modules/htmx.org/package.json').version" >"$htmx_out/VERSION"

# The packages' source maps are not vendored: drop the comments that point at them, or
# collectstatic's manifest storage fails on the missing .map files (issue 14).
for minified in "$govuk_out/govuk-frontend.min.css" "$govuk_out/govuk-frontend.min.js" "$htmx_out/htmx.min.js"; do
  sed -i -e 's#/\*\# sourceMappingURL=[^*]*\*/##' -e 's#//\# sourceMappingURL=.*$##' "$minified"
done
if grep -q 'sourceMappingURL' "$govuk_out"/*.min.* "$htmx_out"/*.min.js; then
  echo "vendor_frontend: a sourceMappingURL comment remains" >&2
  exit 1
fi

echo "Vendored govuk-frontend $(cat "$govuk_out/VERSION") and htmx $(cat "$htmx_out/VERSION") into static/vendor/"
