#!/usr/bin/env bash
# Vendor the NHS.UK frontend (https://github.com/nhsuk/nhsuk-frontend) built
# assets into crates/web/assets/vendor/nhsuk-frontend/.
#
# Usage: scripts/update-nhsuk-frontend.sh [VERSION]
#   VERSION defaults to the pinned 10.x release below.
#
# Requires: npm (only `npm pack` is used; nothing is installed), tar.
#
# Result (served by the app at /static/vendor/nhsuk-frontend/):
#   nhsuk-frontend.min.css   built, minified CSS
#   nhsuk-frontend.min.js    built, minified ES module bundle (exports initAll etc.)
#   assets/                  favicons, app icons, manifest.json, icon SVGs
#   LICENSE                  MIT licence
#   VERSION                  the vendored version
#
# Source maps are only copied when they are small (see MAX_MAP_BYTES); when a
# map is dropped the trailing `sourceMappingURL` comment is removed from the
# bundle so browsers don't request a missing file.
set -euo pipefail

PINNED_VERSION="10.6.1"
VERSION="${1:-$PINNED_VERSION}"

# Files larger than this are not vendored from assets/ (none are, in 10.x).
MAX_ASSET_BYTES=$((200 * 1024))
# Source maps larger than this are dropped (10.x maps are 250-800 KB).
MAX_MAP_BYTES=$((100 * 1024))

SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO_ROOT="$(cd "$SCRIPT_DIR/.." && pwd)"
DEST="$REPO_ROOT/crates/web/assets/vendor/nhsuk-frontend"

command -v npm >/dev/null || { echo "error: npm not found" >&2; exit 1; }

TMP="$(mktemp -d)"
trap 'rm -rf "$TMP"' EXIT

echo "Downloading nhsuk-frontend@$VERSION ..."
TARBALL="$(cd "$TMP" && npm pack --silent "nhsuk-frontend@$VERSION" | tail -n 1)"
tar -xzf "$TMP/$TARBALL" -C "$TMP"
PKG="$TMP/package"
DIST="$PKG/dist/nhsuk"

ACTUAL_VERSION="$(sed -n 's/^[[:space:]]*"version":[[:space:]]*"\([^"]*\)".*/\1/p' "$PKG/package.json" | head -n 1)"

for f in nhsuk-frontend.min.css nhsuk-frontend.min.js assets; do
  if [[ ! -e "$DIST/$f" ]]; then
    echo "error: $DIST/$f not found; package layout differs from 10.x" >&2
    exit 1
  fi
done

file_size() { wc -c <"$1" | tr -d '[:space:]'; }

# Copy a built bundle; keep its source map only if it is small.
copy_bundle() {
  local name="$1" src="$DIST/$1"
  cp "$src" "$DEST/$name"
  if [[ -f "$src.map" && "$(file_size "$src.map")" -le "$MAX_MAP_BYTES" ]]; then
    cp "$src.map" "$DEST/$name.map"
  else
    # Strip "//# sourceMappingURL=..." (JS) or "/*# sourceMappingURL=... */" (CSS).
    sed -i.bak -E 's@(//# sourceMappingURL=[^[:space:]]*|/\*# sourceMappingURL=[^*]*\*/)[[:space:]]*$@@' "$DEST/$name"
    rm -f "$DEST/$name.bak"
  fi
}

# Clean refresh.
mkdir -p "$DEST"
find "$DEST" -mindepth 1 -delete

copy_bundle nhsuk-frontend.min.css
copy_bundle nhsuk-frontend.min.js

# Two deliberate changes to the upstream CSS, both so that Linkwork works
# offline and under a Content-Security-Policy that allows only 'self':
# - the @font-face rules load Frutiger from https://assets.nhs.uk (licensed to
#   NHS England organisations, and unreachable from closed networks); without
#   them the design system falls back to Arial, as it is designed to;
# - image URLs are absolute (/assets/...); make them relative so they resolve
#   inside this folder.
sed -i -E 's#@font-face\{[^}]*assets\.nhs\.uk[^}]*\}##g; s#url\(/assets/#url(assets/#g' "$DEST/nhsuk-frontend.min.css"

# Assets (favicons, app icons, web manifest, icon SVGs); skip anything huge.
(cd "$DIST" && find assets -type f) | while IFS= read -r rel; do
  if [[ "$(file_size "$DIST/$rel")" -gt "$MAX_ASSET_BYTES" ]]; then
    echo "skipping large asset: $rel" >&2
    continue
  fi
  mkdir -p "$DEST/$(dirname "$rel")"
  cp "$DIST/$rel" "$DEST/$rel"
done

# Licence. The npm tarball (10.x) ships no LICENSE file, only "license": "MIT"
# in package.json, so fall back to the upstream repository's LICENSE text.
LICENSE_SRC="$(find "$PKG" -maxdepth 1 -type f \( -iname 'LICENSE*' -o -iname 'LICENCE*' \) | head -n 1)"
if [[ -n "$LICENSE_SRC" ]]; then
  cp "$LICENSE_SRC" "$DEST/LICENSE"
else
  cat >"$DEST/LICENSE" <<'LICENSE_TEXT'
MIT License

Copyright (c) 2019 NHS.UK

Permission is hereby granted, free of charge, to any person obtaining a copy
of this software and associated documentation files (the "Software"), to deal
in the Software without restriction, including without limitation the rights
to use, copy, modify, merge, publish, distribute, sublicense, and/or sell
copies of the Software, and to permit persons to whom the Software is
furnished to do so, subject to the following conditions:

The above copyright notice and this permission notice shall be included in all
copies or substantial portions of the Software.

THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND, EXPRESS OR
IMPLIED, INCLUDING BUT NOT LIMITED TO THE WARRANTIES OF MERCHANTABILITY,
FITNESS FOR A PARTICULAR PURPOSE AND NONINFRINGEMENT. IN NO EVENT SHALL THE
AUTHORS OR COPYRIGHT HOLDERS BE LIABLE FOR ANY CLAIM, DAMAGES OR OTHER
LIABILITY, WHETHER IN AN ACTION OF CONTRACT, TORT OR OTHERWISE, ARISING FROM,
OUT OF OR IN CONNECTION WITH THE SOFTWARE OR THE USE OR OTHER DEALINGS IN THE
SOFTWARE.
LICENSE_TEXT
fi

echo "$ACTUAL_VERSION" >"$DEST/VERSION"

echo "Vendored nhsuk-frontend $ACTUAL_VERSION into ${DEST#"$REPO_ROOT"/}:"
(cd "$DEST" && find . -type f | sort | sed 's@^\./@  @')
echo "Total size: $(du -sh "$DEST" | cut -f1) ($(find "$DEST" -type f -exec cat {} + | wc -c | tr -d '[:space:]') bytes)"
