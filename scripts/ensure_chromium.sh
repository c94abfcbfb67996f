#!/usr/bin/env bash
# Make sure Debian's Chromium is at /usr/bin/chromium for the real-browser tests
# (tests/browser, benchmarks/bench_browser_latency.py).
#
# - Quick no-op when it is already installed.
# - Installs with apt-get as root, or through sudo (non-interactive) when available.
# - Otherwise prints why and exits 0: the browser tests then skip themselves
#   (unless INVLAB_REQUIRE_BROWSER=1 is set, in which case they fail).
#
# Never use `playwright install` here: it downloads a browser build and fails offline.
set -euo pipefail

CHROMIUM=/usr/bin/chromium

if [ -x "$CHROMIUM" ]; then
    echo "ensure_chromium: $CHROMIUM already installed ($("$CHROMIUM" --version 2>/dev/null || echo 'version unknown'))"
    exit 0
fi

if [ "$(id -u)" -eq 0 ]; then
    SUDO=""
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
    SUDO="sudo -n"
else
    echo "ensure_chromium: $CHROMIUM is missing and I am neither root nor allowed to use sudo;" >&2
    echo "ensure_chromium: install it with 'apt-get install chromium' as root. Browser tests will be skipped." >&2
    exit 0
fi

if ! command -v apt-get >/dev/null 2>&1; then
    echo "ensure_chromium: no apt-get on this system; install Chromium at $CHROMIUM by hand. Browser tests will be skipped." >&2
    exit 0
fi

echo "ensure_chromium: installing Debian chromium (about a minute) ..."
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium

if [ -x "$CHROMIUM" ]; then
    echo "ensure_chromium: installed $("$CHROMIUM" --version 2>/dev/null || echo "$CHROMIUM")"
else
    echo "ensure_chromium: apt-get finished but $CHROMIUM is still missing. Browser tests will be skipped." >&2
fi
exit 0
