// Command cloudgate is the cloudgate server and its administration tool.
//
//	cloudgate serve [flags]                 run the server
//	cloudgate org ...                       manage organizations and their compute services
//	cloudgate user ...                      manage users
//	cloudgate token ...                     list and revoke API tokens
//	cloudgate session ...                   list and end sessions
//	cloudgate settings ...                  provider-wide settings
//
// Every flag can also come from CLOUDGATE_<FLAG> (for example
// CLOUDGATE_LISTEN). Exit status: 0 success, 1 failure, 2 misuse.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

// version is set at build time with -ldflags "-X main.version=...".
var version = "0.1.0-dev"

// app carries the process's streams and environment, so tests run
// commands in-process without touching the real ones.
type app struct {
	stdin          io.Reader
	stdout, stderr io.Writer
	getenv         func(string) string
}

// usageError marks a misuse of the command line (exit status 2).
type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }

func usagef(format string, args ...any) error { return usageError{fmt.Sprintf(format, args...)} }

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	a := &app{stdin: os.Stdin, stdout: os.Stdout, stderr: os.Stderr, getenv: os.Getenv}
	code := a.run(ctx, os.Args[1:])
	stop()
	os.Exit(code)
}

const topUsage = `usage: cloudgate <command> [arguments]

commands:
  serve       run the server (HTTPS on 127.0.0.1:8443 by default)
  org         create, list, disable, enable organizations; set their lockout policy;
              add, list, remove their compute services
  user        create, list, disable, enable users; set passwords; unlock
  token       list and revoke API tokens
  session     list live sessions (every dialect); end one
  settings    show or change provider-wide settings
  audit       print audit events as JSON lines (filters; --follow)
  version     print the version

Run "cloudgate <command> -h" for a command's flags. Every flag can also be
set as CLOUDGATE_<FLAG>, for example CLOUDGATE_DATA=/var/lib/cloudgate.
`

func (a *app) run(ctx context.Context, args []string) int {
	if len(args) == 0 {
		fmt.Fprint(a.stderr, topUsage)
		return 2
	}
	var err error
	switch args[0] {
	case "serve":
		err = a.serve(ctx, args[1:])
	case "org":
		err = a.org(ctx, args[1:])
	case "user":
		err = a.user(ctx, args[1:])
	case "token":
		err = a.token(ctx, args[1:])
	case "session":
		err = a.session(ctx, args[1:])
	case "settings":
		err = a.settings(ctx, args[1:])
	case "audit":
		return a.auditMain(ctx, args[1:])
	case "version", "--version", "-version":
		fmt.Fprintln(a.stdout, "cloudgate", version)
	case "help", "-h", "--help":
		fmt.Fprint(a.stdout, topUsage)
	default:
		err = usagef("unknown command %q\n\n%s", args[0], topUsage)
	}
	var ue usageError
	switch {
	case err == nil:
		return 0
	case errors.As(err, &ue):
		fmt.Fprintln(a.stderr, "cloudgate:", ue.msg)
		return 2
	case errors.Is(err, errFlagHelp):
		return 0
	default:
		fmt.Fprintln(a.stderr, "cloudgate:", err)
		return 1
	}
}
