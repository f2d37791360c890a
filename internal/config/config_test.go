package config

import (
	"flag"
	"strings"
	"testing"
)

func TestEnvironmentFillsFlagsNotGiven(t *testing.T) {
	env := map[string]string{"CLOUDGATE_LISTEN": "0.0.0.0:1", "CLOUDGATE_PUBLIC_URL": "https://x", "CLOUDGATE_HTTP": "true"}
	fs := flag.NewFlagSet("t", flag.ContinueOnError)
	listen := fs.String("listen", "127.0.0.1:8443", "")
	public := fs.String("public-url", "", "")
	plain := fs.Bool("http", false, "")
	if err := Parse(fs, []string{"--listen", "127.0.0.1:9"}, func(k string) string { return env[k] }); err != nil {
		t.Fatal(err)
	}
	if *listen != "127.0.0.1:9" || *public != "https://x" || !*plain {
		t.Fatalf("flags win over the environment, which fills the rest: %q %q %v", *listen, *public, *plain)
	}
	fs = flag.NewFlagSet("t", flag.ContinueOnError)
	fs.Bool("http", false, "")
	err := Parse(fs, nil, func(string) string { return "maybe" })
	if err == nil || !strings.Contains(err.Error(), "CLOUDGATE_HTTP") {
		t.Fatalf("invalid environment value: %v", err)
	}
	if (Store{DataDir: "/d"}).ResolvedDSN() != "sqlite:///d/cloudgate.db" {
		t.Fatal("default DSN")
	}
}
