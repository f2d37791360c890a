#!/usr/bin/env bash
# Installs Debian's chromium for the browser tests of internal/web when it
# is missing. Those tests fail under CI=true without it (they skip, loudly,
# on a developer's machine).
set -euo pipefail
if command -v chromium >/dev/null 2>&1; then
  echo "chromium: $(chromium --version 2>/dev/null | head -1)"
  exit 0
fi
echo "chromium is missing; installing it"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq chromium >/dev/null
echo "chromium: $(chromium --version 2>/dev/null | head -1)"
