#!/usr/bin/env bash
# Builds a tiny module outside this repository that uses the public test
# package (cloudgatetest) and the Cloud Director Go SDK, as a user's
# project would, with a replace directive pointing at this checkout. Go
# refuses imports of internal packages across modules, so this fails as
# soon as the public surface leaks an internal type.
#
# Works offline: the new module starts from this checkout's go.sum, and
# dependencies come from the module cache (GOPROXY=off); when the cache
# lacks one, it retries through the configured proxy.
set -euo pipefail
checkout="$(cd "$(dirname "$0")/.." && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cd "$work"

module=github.com/cloudgate/cloudgate
sdk=github.com/vmware/go-vcloud-director/v3
sdkversion="$(cd "$checkout" && go list -m -f '{{.Version}}' "$sdk")"

go mod init example.com/x >/dev/null 2>&1
go mod edit -require "$module@v0.0.0" -replace "$module=$checkout" -require "$sdk@$sdkversion"
cp "$checkout/go.sum" go.sum

cat > x_test.go <<'GO'
package x

import (
	"net/http"
	"testing"
	"time"

	"github.com/cloudgate/cloudgate/cloudgatetest"
	"github.com/vmware/go-vcloud-director/v3/govcd"
)

func TestOutsideTheModule(t *testing.T) {
	srv := cloudgatetest.StartWith(t, cloudgatetest.Options{
		Seed:        cloudgatetest.Tenants(1),
		IdleTimeout: 10 * time.Minute,
	})

	client := govcd.NewVCDClient(*srv.APIURL(), true)
	user := cloudgatetest.RoleUser("vApp Author")
	if err := client.Authenticate(user, cloudgatetest.Password, "org1"); err != nil {
		t.Fatalf("govcd Authenticate: %v", err)
	}
	info, err := client.Client.GetSessionInfo()
	if err != nil || info.User.Name != user || info.SessionIdleTimeoutMinutes != 10 {
		t.Fatalf("GetSessionInfo = %+v, %v", info, err)
	}

	c := srv.Client()
	if err := c.Login("administrator", cloudgatetest.AdminPassword, cloudgatetest.SystemOrg); err != nil {
		t.Fatal(err)
	}
	tok, err := c.APIToken("ci")
	if err != nil {
		t.Fatal(err)
	}
	sdk := govcd.NewVCDClient(*srv.APIURL(), true)
	if _, err := sdk.SetApiToken(cloudgatetest.SystemOrg, tok.Secret); err != nil {
		t.Fatalf("govcd SetApiToken: %v", err)
	}
	script := srv.Client()
	if err := script.LoginAPIToken(tok.Secret, cloudgatetest.SystemOrg); err != nil {
		t.Fatal(err)
	}
	r, err := script.Do(http.MethodGet, "/cloudapi/1.0.0/sessions/current", nil, "Accept", cloudgatetest.CloudAPIAccept)
	if err != nil || r.Status != http.StatusOK {
		t.Fatalf("GET /sessions/current with the token's session: %v %v", r, err)
	}
}
GO

tidy() { go mod tidy >/dev/null; }
if ! GOFLAGS=-mod=mod GOPROXY=off tidy 2>"$work/tidy.err"; then
  echo "external module: the module cache lacks a dependency; fetching it through the proxy" >&2
  cat "$work/tidy.err" >&2
  GOFLAGS=-mod=mod tidy
fi
go vet ./...
go test -count=1 ./...
echo "external module: ok (cloudgatetest and the SDK build and run outside $module)"
