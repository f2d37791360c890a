package main

import (
	"errors"
	"flag"
	"fmt"
	"strings"

	"github.com/cloudgate/cloudgate/internal/config"
)

var errFlagHelp = errors.New("help requested")

// newFlags returns a FlagSet that reports errors instead of exiting.
func (a *app) newFlags(name, usage string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(a.stderr)
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "usage: cloudgate %s\n", usage)
		if hasFlags(fs) {
			fmt.Fprintln(fs.Output(), "\nflags (each also CLOUDGATE_<FLAG>):")
			fs.PrintDefaults()
		}
	}
	return fs
}

func hasFlags(fs *flag.FlagSet) bool {
	n := 0
	fs.VisitAll(func(*flag.Flag) { n++ })
	return n > 0
}

// parse parses flags and positional arguments in any order (flags may
// follow the positionals) and checks the number of positionals.
func (a *app) parse(fs *flag.FlagSet, args []string, minPos, maxPos int) ([]string, error) {
	var pos []string
	rest := args
	for {
		if err := config.Parse(fs, rest, a.getenv); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return nil, errFlagHelp
			}
			return nil, usageError{err.Error()}
		}
		rest = fs.Args()
		if len(rest) == 0 {
			break
		}
		if rest[0] == "--" {
			pos = append(pos, rest[1:]...)
			break
		}
		pos = append(pos, rest[0])
		rest = rest[1:]
	}
	if len(pos) < minPos || (maxPos >= 0 && len(pos) > maxPos) {
		var buf strings.Builder
		fs.SetOutput(&buf)
		fs.Usage()
		fs.SetOutput(a.stderr)
		return nil, usageError{fmt.Sprintf("wrong number of arguments\n%s", buf.String())}
	}
	return pos, nil
}
