#!/usr/bin/env bash
# Installs the proxies the gate's tests put in front of an upstream
# (internal/gate: nginx auth_request, Caddy forward_auth) and wrk for the
# gate's figures. With CI=true those tests fail instead of skipping.
set -euo pipefail
missing=()
command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ] || missing+=(nginx)
command -v caddy >/dev/null 2>&1 || missing+=(caddy)
command -v wrk >/dev/null 2>&1 || missing+=(wrk)
if [ ${#missing[@]} -gt 0 ]; then
  apt-get update
  apt-get install -y "${missing[@]}"
fi
