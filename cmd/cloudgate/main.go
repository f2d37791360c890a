// Command cloudgate is the cloudgate server and its administration tool.
//
//	cloudgate serve [flags]                 run the server
//	cloudgate org ...                       manage organizations and their compute services
//	cloudgate user ...                      manage users
//	cloudgate token ...                     list and revoke API tokens
//	cloudgate serviceaccount ...            list, show, revoke, delete service accounts
//	cloudgate session ...                   list and end sessions
//	cloudgate settings ...                  provider-wide settings
//	cloudgate version                       version and commit of this build
//	cloudgate help [COMMAND...]             help of any command (as COMMAND -h)
//
// The commands are one table (commands.go). Every flag can also come from
// CLOUDGATE_<FLAG> (for example CLOUDGATE_LISTEN). Exit status: 0 success
// (and help), 1 failure, 2 misuse.
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

// version is set at build time with -ldflags "-X main.version=...";
// otherwise "cloudgate version" reports the module version from the build
// information.
var version = ""

// app carries the process's streams and environment, so tests run
// commands in-process without touching the real ones.
type app struct {
	stdin          io.Reader
	stdout, stderr io.Writer
	getenv         func(string) string
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	a := &app{stdin: os.Stdin, stdout: os.Stdout, stderr: os.Stderr, getenv: os.Getenv}
	code := a.run(ctx, os.Args[1:])
	stop()
	os.Exit(code)
}

// run runs the command args name and returns the exit status.
func (a *app) run(ctx context.Context, args []string) int {
	root := commands()
	var err error
	switch {
	case len(args) > 0 && args[0] == "help":
		err = a.help(root, args[1:])
	case len(args) > 0 && (args[0] == "--version" || args[0] == "-version"):
		err = a.dispatch(ctx, root, []string{root.name}, []string{"version"})
	default:
		err = a.dispatch(ctx, root, []string{root.name}, args)
	}
	var ue usageError
	switch {
	case err == nil || errors.Is(err, errHelp):
		return 0
	case errors.As(err, &ue):
		fmt.Fprintln(a.stderr, "cloudgate:", ue.msg)
		return 2
	default:
		fmt.Fprintln(a.stderr, "cloudgate:", err)
		return 1
	}
}
