#!/usr/bin/env bash
# Copy the front-end assets Rete needs from node_modules into static/vendor/ (served by Flask, no CDN).
# Idempotent and fast on later runs: files are copied only when missing or changed.
# Usage: scripts/vendor.sh            (after `npm ci`)
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
NM="$ROOT/node_modules"
DEST="$ROOT/static/vendor"
BI="$NM/bootstrap-italia/dist"
HTMX="$NM/htmx.org/dist"
CHARTJS="$NM/chart.js/dist"
DEJAVU="$NM/@fontsource/dejavu-sans"

for required in "$BI/css/bootstrap-italia.min.css" "$BI/js/bootstrap-italia.bundle.min.js" \
                "$BI/svg/sprites.svg" "$BI/fonts/Titillium_Web" "$HTMX/htmx.min.js" "$BI/js/bootstrap-italia.min.js" \
                "$NM/@popperjs/core/dist/umd/popper.min.js" "$NM/animejs/lib/anime.min.js" \
                "$CHARTJS/chart.umd.min.js" "$DEJAVU/files/dejavu-sans-latin-400-normal.woff"; do
    if [ ! -e "$required" ]; then
        echo "vendor.sh: missing $required - run 'npm ci' first" >&2
        exit 1
    fi
done

# copy SRC DST: copy one file only if the destination is missing or differs.
copy() {
    local src="$1" dst="$2"
    if [ ! -f "$dst" ] || ! cmp -s "$src" "$dst"; then
        mkdir -p "$(dirname "$dst")"
        cp -f "$src" "$dst"
        echo "  $dst"
    fi
}

# The stylesheet, minus one rule: the Video.js icon font is embedded as a data: URL, which our CSP
# (font-src 'self') refuses, logging a violation on every page. Rete has no video player, so the
# @font-face is dropped; its sourceMappingURL goes too (the map would no longer match).
tmp="$(mktemp)"
trap 'rm -f "$tmp"' EXIT
sed -E -e 's/@font-face\{font-family:VideoJS;[^}]*\}//' -e '/sourceMappingURL=/d' \
    "$BI/css/bootstrap-italia.min.css" > "$tmp"
if grep -q 'url(data:application/font-woff' "$tmp"; then
    echo "vendor.sh: warning: an embedded data: font is still in bootstrap-italia.min.css (CSP will block it)" >&2
fi
copy "$tmp" "$DEST/css/bootstrap-italia.min.css"
rm -f "$DEST/css/bootstrap-italia.min.css.map"
# Bootstrap Italia's JavaScript without Video.js and Splide (no video player, no carousel here): the
# unbundled build takes its dependencies as globals, so Popper (dropdowns) and anime.js (notifications,
# collapsibles) are put in front; videojs/Splide stay undefined and are touched only by those two
# components. About 290 KB instead of 1 MB (72 KB instead of 247 KB brotli) for the same behaviour.
{
    sed -e '/sourceMappingURL=/d' "$NM/@popperjs/core/dist/umd/popper.min.js"; echo
    sed -e '/sourceMappingURL=/d' "$NM/animejs/lib/anime.min.js"; echo
    sed -e '/sourceMappingURL=/d' "$BI/js/bootstrap-italia.min.js"
} > "$tmp"
copy "$tmp" "$DEST/js/bootstrap-italia.lean.min.js"
rm -f "$DEST/js/bootstrap-italia.bundle.min.js"
copy "$BI/svg/sprites.svg" "$DEST/svg/sprites.svg"
copy "$HTMX/htmx.min.js" "$DEST/js/htmx.min.js"
# Chart.js (UMD build, the global ``Chart``) for the monitoring dashboards; its source map is not shipped.
sed -e '/sourceMappingURL=/d' "$CHARTJS/chart.umd.min.js" > "$tmp"
copy "$tmp" "$DEST/js/chart.umd.min.js"

# Only the web formats (woff2, woff) and the licences: static/css/fonts.css references nothing else.
for family in Titillium_Web Lora Roboto_Mono; do
    [ -d "$BI/fonts/$family" ] || continue
    for src in "$BI/fonts/$family"/*.woff2 "$BI/fonts/$family"/*.woff "$BI/fonts/$family"/*.txt; do
        [ -e "$src" ] || continue
        copy "$src" "$DEST/fonts/$family/$(basename "$src")"
    done
done

# DejaVu Sans, for the PDFs only (core/pdf.py): the glyphs Titillium (latin-ext) lacks, such as Greek,
# Cyrillic, Arabic or Hebrew names, are drawn from it. Fontsource's "latin" file is the whole font.
for weight in 400 700; do
    copy "$DEJAVU/files/dejavu-sans-latin-$weight-normal.woff" "$DEST/fonts/DejaVu_Sans/dejavu-sans-$weight.woff"
done
copy "$DEJAVU/LICENSE" "$DEST/fonts/DejaVu_Sans/LICENSE.txt"
# Noto Sans for the scripts DejaVu lacks, names of people from South and South-East Asia and the Horn of Africa
# (PDFs only, loaded by core/pdf_fonts.py when a text needs them): each package's file of its own script, two
# weights. DejaVu has Armenian, Georgian and Lao already. Keep in step with NOTO_SCRIPTS in core/pdf_fonts.py.
NOTO_SCRIPTS="bengali devanagari ethiopic gujarati gurmukhi kannada khmer malayalam myanmar oriya sinhala tamil
              telugu thai"
for script in $NOTO_SCRIPTS; do
    pkg="$NM/@fontsource/noto-sans-$script"
    if [ ! -d "$pkg" ]; then
        echo "vendor.sh: missing $pkg - run 'npm ci' first" >&2
        exit 1
    fi
    for weight in 400 700; do
        copy "$pkg/files/noto-sans-$script-$script-$weight-normal.woff" "$DEST/fonts/Noto_Sans/noto-sans-$script-$weight.woff"
    done
    copy "$pkg/LICENSE" "$DEST/fonts/Noto_Sans/LICENSE-$script.txt"
done

# Record what was vendored (useful when auditing third-party components, AgID "riuso").
versions="bootstrap-italia $(node -p "require('$NM/bootstrap-italia/package.json').version" 2>/dev/null \
    || sed -n 's/^  "version": "\(.*\)",$/\1/p' "$NM/bootstrap-italia/package.json")
htmx.org $(node -p "require('$NM/htmx.org/package.json').version" 2>/dev/null \
    || sed -n 's/^  "version": "\(.*\)",$/\1/p' "$NM/htmx.org/package.json")
chart.js $(node -p "require('$NM/chart.js/package.json').version" 2>/dev/null \
    || sed -n 's/^  "version": "\(.*\)",$/\1/p' "$NM/chart.js/package.json")
@fontsource/dejavu-sans $(node -p "require('$DEJAVU/package.json').version" 2>/dev/null \
    || sed -n 's/^  "version": "\(.*\)",$/\1/p' "$DEJAVU/package.json")"
for script in $NOTO_SCRIPTS; do
    versions="$versions
@fontsource/noto-sans-$script $(sed -n 's/^  "version": "\(.*\)",$/\1/p' "$NM/@fontsource/noto-sans-$script/package.json")"
done
if [ ! -f "$DEST/VERSIONS" ] || [ "$(cat "$DEST/VERSIONS")" != "$versions" ]; then
    printf '%s\n' "$versions" > "$DEST/VERSIONS"
fi
echo "vendor.sh: static/vendor is up to date"
