#!/usr/bin/env bash
# What `make test` needs beyond Python and npm, and what the suite skips without it (CI=true fails instead):
#   Debian's Chromium at /usr/bin/chromium  -> the browser tests
#   PostgreSQL on 127.0.0.1:5432            -> the PostgreSQL suite (browser tests included)
#   Redis on 127.0.0.1:6379                 -> the RQ job test
#   a CJK font (Debian fonts-wqy-microhei)  -> the test of Chinese names in PDFs (production needs it too)
# Usage: scripts/test_prereqs.sh install   as root with apt-get, install Chromium and the font when missing (as .ci/run)
#        scripts/test_prereqs.sh report    one line naming what was skipped and the command that installs it
set -uo pipefail

CHROMIUM="${RETE_CHROMIUM:-/usr/bin/chromium}"
PG_HOST="${RETE_TEST_PG_HOST:-127.0.0.1}"
PG_PORT="${RETE_TEST_PG_PORT:-5432}"
REDIS_PORT="${RETE_TEST_REDIS_PORT:-6379}"
APT_GET="${RETE_APT_GET:-apt-get}"
CJK_FONT="${PDF_CJK_FONT:-/usr/share/fonts/truetype/wqy/wqy-microhei.ttc}"

listening() { (exec 3<>"/dev/tcp/$1/$2") 2>/dev/null; }

install() {
    local packages=()
    [ -x "$CHROMIUM" ] || packages+=(chromium chromium-driver)
    [ -f "$CJK_FONT" ] || packages+=(fonts-wqy-microhei)
    [ ${#packages[@]} -eq 0 ] && return 0
    if [ "$(id -u)" = 0 ] && command -v "$APT_GET" >/dev/null 2>&1; then
        echo "Missing: installing ${packages[*]} (browser tests, CJK names in PDFs)"
        "$APT_GET" update -qq && DEBIAN_FRONTEND=noninteractive "$APT_GET" install -y -qq "${packages[@]}" \
            || echo "${packages[*]} could not be installed; the tests that need them will be skipped"
    fi
    return 0
}

report() {
    local skipped=() packages=()
    if [ ! -x "$CHROMIUM" ]; then
        skipped+=("browser tests (no Chromium at $CHROMIUM)")
        packages+=(chromium chromium-driver)
    fi
    if [ ! -f "$CJK_FONT" ]; then
        skipped+=("Chinese names in PDFs (no font at $CJK_FONT)")
        packages+=(fonts-wqy-microhei)
    fi
    if ! listening "$PG_HOST" "$PG_PORT"; then
        skipped+=("PostgreSQL suite (nothing on $PG_HOST:$PG_PORT)")
        packages+=(postgresql)
    fi
    if ! listening 127.0.0.1 "$REDIS_PORT"; then
        skipped+=("RQ job test (no Redis on 127.0.0.1:$REDIS_PORT)")
        packages+=(redis-server)
    fi
    [ ${#skipped[@]} -eq 0 ] && return 0
    local sudo=""
    [ "$(id -u)" = 0 ] || sudo="sudo "
    local joined
    joined=$(printf '%s, ' "${skipped[@]}")
    echo "SKIPPED: ${joined%, }; install with: ${sudo}apt-get install ${packages[*]}"
}

case "${1:-}" in
    install) install ;;
    report) report ;;
    *) echo "usage: $0 install|report" >&2; exit 2 ;;
esac
