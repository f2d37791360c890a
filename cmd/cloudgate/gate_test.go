package main

import (
	"flag"
	"io"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/cloudgate/cloudgate/internal/config"
)

func TestGateFlags(t *testing.T) {
	for _, tc := range []struct {
		name   string
		args   []string
		env    map[string]string
		routes []string // prefix=url
		err    string
	}{
		{"none", nil, nil, nil, ""},
		{"upstream", []string{"--upstream", "http://up:8080"}, nil, []string{"/=http://up:8080"}, ""},
		{"routes repeated", []string{"--route", "/billing=http://b:1", "--route", "/api=https://vcd.internal"}, nil,
			[]string{"/billing=http://b:1", "/api=https://vcd.internal"}, ""},
		{"routes from the environment", nil, map[string]string{"CLOUDGATE_ROUTE": "/a=http://a:1,/b=http://b:2", "CLOUDGATE_UPSTREAM": "http://up"}, []string{"/=http://up", "/a=http://a:1", "/b=http://b:2"}, ""},
		{"bad route", []string{"--route", "billing=http://b"}, nil, nil, "PREFIX=URL"},
		{"credentials in the upstream", []string{"--upstream", "http://u:p@up"}, nil, nil, "without credentials"},
		{"bad scheme", []string{"--upstream", "ftp://up"}, nil, nil, "http(s)"},
		{"duplicate", []string{"--upstream", "http://a", "--route", "/=http://b"}, nil, nil, ""},
		{"bad timeout", []string{"--upstream-timeout", "0s"}, nil, nil, "positive"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var f gateFlags
			fs := flag.NewFlagSet("serve", flag.ContinueOnError)
			fs.SetOutput(io.Discard)
			addGateFlags(fs, &f)
			if err := config.Parse(fs, tc.args, func(k string) string { return tc.env[k] }); err != nil {
				t.Fatal(err)
			}
			o, err := f.options(filepath.Join(t.TempDir(), "data"))
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("err = %v, want %q", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if tc.name == "duplicate" {
				return // refused when the gate is built
			}
			var got []string
			for _, r := range o.Routes {
				got = append(got, r.Prefix+"="+r.Upstream.String())
			}
			if strings.Join(got, " ") != strings.Join(tc.routes, " ") || len(o.KeySecret) < 32 || o.ResponseTimeout != 60*time.Second {
				t.Fatalf("routes %v secret %d timeout %v", got, len(o.KeySecret), o.ResponseTimeout)
			}
		})
	}
}
