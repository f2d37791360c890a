package main

import (
	"context"
	"flag"
	"fmt"
	"runtime/debug"
)

func versionCommand() *command {
	return &command{name: "version", summary: "print the version, the commit it was built from and the Go version",
		flags: func(*flag.FlagSet) runFunc {
			return func(_ context.Context, a *app, _ []string) error {
				fmt.Fprintln(a.stdout, versionLine())
				return nil
			}
		}}
}

// devVersion is reported when neither -ldflags nor the build information
// give a version (go run, go test).
const devVersion = "0.1.0-dev"

// buildVersion is the version of this build: -ldflags "-X main.version=…"
// if given, else the module version Go recorded ("v1.2.3" for go install
// …@v1.2.3, a pseudo-version for go build in a checkout), else devVersion.
func buildVersion() string {
	if version != "" {
		return version
	}
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
		return bi.Main.Version
	}
	return devVersion
}

// versionLine is "cloudgate VERSION (commit REV[, modified], TIME) GOVERSION",
// with what the build information holds.
func versionLine() string {
	bi, _ := debug.ReadBuildInfo()
	return formatVersion(buildVersion(), bi)
}

func formatVersion(v string, bi *debug.BuildInfo) string {
	line := "cloudgate " + v
	if bi == nil {
		return line
	}
	var rev, at, modified string
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value
		case "vcs.time":
			at = s.Value
		case "vcs.modified":
			if s.Value == "true" {
				modified = ", modified"
			}
		}
	}
	if rev != "" {
		line += fmt.Sprintf(" (commit %s%s, %s)", rev, modified, at)
	}
	return line + " " + bi.GoVersion
}
