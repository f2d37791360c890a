#!/usr/bin/env bash
# Static checks: govulncheck against the offline Go vulnerability database,
# staticcheck and gosec. The tools are pinned here and installed through the
# module proxy when missing (nothing else needs the network: the
# vulnerability database is the copy in ../shared/vulndb).
# Exceptions: gosec's are `#nosec Gxxx -- reason` comments in the code or
# path rules with a reason in .ci/gosec.json; staticcheck's would be
# `//lint:ignore CHECK reason` comments (there are none today).
set -euo pipefail
cd "$(dirname "$0")/.."

GOVULNCHECK_VERSION=v1.9.0   # golang.org/x/vuln
STATICCHECK_VERSION=v0.8.2   # honnef.co/go/tools (2026.1.x)
GOSEC_VERSION=v2.30.0        # github.com/securego/gosec/v2

bin="$(go env GOBIN)"
[ -n "$bin" ] || bin="$(go env GOPATH)/bin"
# tool NAME VERSION PACKAGE: the path of NAME at VERSION, installed if
# missing or at another version.
tool() {
  local name=$1 version=$2 pkg=$3 have=""
  if [ -x "$bin/$name" ]; then
    have=$(go version -m "$bin/$name" 2>/dev/null | awk '$1 == "mod" {print $3; exit}')
  fi
  if [ "$have" != "$version" ]; then
    echo "installing $pkg@$version" >&2
    go install "$pkg@$version" >&2
  fi
  echo "$bin/$name"
}

vulndb="${CLOUDGATE_VULNDB:-}"
if [ -z "$vulndb" ]; then
  for d in ../shared/vulndb /work/shared/vulndb; do
    if [ -f "$d/index/db.json" ]; then vulndb=$(cd "$d" && pwd); break; fi
  done
fi
if [ -z "$vulndb" ] || [ ! -f "$vulndb/index/db.json" ]; then
  echo "static: no offline vulnerability database (../shared/vulndb or CLOUDGATE_VULNDB)" >&2
  exit 1
fi

govulncheck=$(tool govulncheck "$GOVULNCHECK_VERSION" golang.org/x/vuln/cmd/govulncheck)
staticcheck=$(tool staticcheck "$STATICCHECK_VERSION" honnef.co/go/tools/cmd/staticcheck)
gosec=$(tool gosec "$GOSEC_VERSION" github.com/securego/gosec/v2/cmd/gosec)

status=0
echo "== govulncheck (database: $vulndb)"
# Exit 3: a vulnerable symbol is reachable. Any other failure also fails.
"$govulncheck" -db "file://$vulndb" ./... || status=1

echo "== staticcheck"
"$staticcheck" -checks inherit ./... || status=1

echo "== gosec"
# GOSECGOVERSION saves gosec a `go list` of the module for the Go version.
GOSECGOVERSION="$(go env GOVERSION)" \
  "$gosec" -quiet -conf .ci/gosec.json -exclude-generated ./... || status=1

exit $status
