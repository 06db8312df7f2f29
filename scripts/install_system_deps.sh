#!/usr/bin/env bash
# Installs the servers the test-suite starts on 127.0.0.1 (PostgreSQL) and the headless browser
# that renders the ops report (Chromium) when they are missing.
# Needs root (or passwordless sudo) and a reachable Debian package mirror.
set -euo pipefail

need=()
if ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 && ! command -v initdb >/dev/null; then
  need+=(postgresql)
fi
if [ ! -x /usr/bin/chromium ]; then
  need+=(chromium)
fi

if [ ${#need[@]} -eq 0 ]; then
  echo "system dependencies present"
  exit 0
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo -n"; fi
echo "installing system packages: ${need[*]}"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${need[@]}"
