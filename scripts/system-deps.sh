#!/usr/bin/env bash
# Installs what Constable needs from Debian's packages, only when it is missing:
#   - PostgreSQL server binaries (initdb, pg_ctl): the tests start a throw-away server;
#   - Chromium: the page tests drive it headless through Playwright;
#   - Pango (with HarfBuzz and fontconfig): WeasyPrint lays out the board pack's PDF with it,
#     and a font for it to use;
#   - npm: the page tests run axe-core (pinned in package.json) in Chromium.
set -euo pipefail

need=()
if ! command -v pg_ctl >/dev/null 2>&1 && ! ls /usr/lib/postgresql/*/bin/pg_ctl >/dev/null 2>&1; then
  need+=(postgresql)
fi
if ! command -v chromium >/dev/null 2>&1 && [ ! -x /usr/bin/chromium ]; then
  need+=(chromium)
fi
if ! ldconfig -p 2>/dev/null | grep -q 'libpango-1.0.so.0' || ! ldconfig -p 2>/dev/null | grep -q 'libpangoft2-1.0.so.0'; then
  need+=(libpango-1.0-0 libpangoft2-1.0-0)
fi
if ! command -v npm >/dev/null 2>&1; then
  need+=(npm)
fi
if ! fc-list 2>/dev/null | grep -q .; then
  need+=(fonts-dejavu-core)
fi
if [ ${#need[@]} -eq 0 ]; then
  exit 0
fi

echo "Installing from Debian's packages: ${need[*]}"
sudo=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then sudo="sudo"; else
    echo "error: ${need[*]} missing and not root (no sudo): install them with apt-get" >&2
    exit 1
  fi
fi
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
