package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"

	"github.com/cloudgate/cloudgate/internal/config"
)

// command is one entry of the command table (commands.go): a group of
// subcommands (sub) or a leaf (flags). Help, -h, --help and misuse are
// handled here, the same way for every command, from these fields.
type command struct {
	name string
	// args is the synopsis after the command's path, e.g. "--org ORG NAME".
	args string
	// summary is one line for the parent's list; help, optional, is more
	// text for the command's own help.
	summary string
	help    string
	sub     []*command
	// flags registers a leaf's flags on fs and returns what runs with the
	// positional arguments once they are parsed.
	flags func(fs *flag.FlagSet) runFunc
	// minArgs and maxArgs bound the positional arguments (maxArgs < 0: no
	// bound).
	minArgs, maxArgs int
}

type runFunc func(ctx context.Context, a *app, args []string) error

// usageError marks a misuse of the command line (exit status 2).
type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }

func usagef(format string, args ...any) error { return usageError{fmt.Sprintf(format, args...)} }

// errHelp: help was printed as asked (exit status 0).
var errHelp = errors.New("help printed")

func isHelp(s string) bool { return s == "-h" || s == "--help" || s == "-help" }

// dispatch walks args down the table from c (whose path is path) and runs
// the leaf it names.
func (a *app) dispatch(ctx context.Context, c *command, path []string, args []string) error {
	if c.sub != nil {
		if len(args) == 0 {
			if len(path) == 1 {
				return usageError{strings.TrimRight(c.usage(path), "\n")}
			}
			return usagef("%s needs a command\n\n%s", strings.Join(path, " "), strings.TrimRight(c.usage(path), "\n"))
		}
		name, rest := args[0], args[1:] // #nosec G602 -- len(args) > 0: checked above
		if isHelp(name) {
			fmt.Fprint(a.stdout, c.usage(path))
			return errHelp
		}
		sub := c.find(name)
		if sub == nil {
			return usagef("unknown command %q for %q\n\n%s", name, strings.Join(path, " "), strings.TrimRight(c.usage(path), "\n"))
		}
		return a.dispatch(ctx, sub, append(path, sub.name), rest)
	}
	fs := newFlagSet(path)
	run := c.flags(fs)
	pos, err := a.parse(fs, args)
	if errors.Is(err, flag.ErrHelp) {
		fmt.Fprint(a.stdout, c.usage(path))
		return errHelp
	}
	if err == nil && (len(pos) < c.minArgs || (c.maxArgs >= 0 && len(pos) > c.maxArgs)) {
		err = errors.New("wrong number of arguments")
	}
	if err != nil {
		return usagef("%v\nusage: %s\nRun \"cloudgate help %s\" for details.", err, c.synopsis(path), strings.Join(path[1:], " "))
	}
	return run(ctx, a, pos)
}

// help prints the help of the command named by names (cloudgate help X Y).
func (a *app) help(root *command, names []string) error {
	c, path := root, []string{root.name}
	for _, n := range names {
		if c.sub == nil || c.find(n) == nil {
			return usagef("no help for %q: unknown command\n\n%s", strings.Join(append(path[1:], n), " "), strings.TrimRight(c.usage(path), "\n"))
		}
		c = c.find(n)
		path = append(path, c.name)
	}
	fmt.Fprint(a.stdout, c.usage(path))
	return nil
}

func (c *command) find(name string) *command {
	for _, s := range c.sub {
		if s.name == name {
			return s
		}
	}
	return nil
}

// newFlagSet returns a FlagSet that reports errors instead of printing
// them or exiting: dispatch prints them in one format.
func newFlagSet(path []string) *flag.FlagSet {
	fs := flag.NewFlagSet(strings.Join(path, " "), flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.Usage = func() {}
	return fs
}

// parse parses flags and positional arguments in any order (flags may
// follow the positionals); flags not given come from CLOUDGATE_<FLAG>.
// It returns flag.ErrHelp for -h or --help.
func (a *app) parse(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	rest := args
	for {
		if err := config.Parse(fs, rest, a.getenv); err != nil {
			return nil, err
		}
		rest = fs.Args()
		if len(rest) == 0 {
			return pos, nil
		}
		if rest[0] == "--" {
			return append(pos, rest[1:]...), nil
		}
		pos = append(pos, rest[0])
		rest = rest[1:]
	}
}

func (c *command) synopsis(path []string) string {
	s := strings.Join(path, " ")
	if c.sub != nil {
		return s + " <command> [arguments]"
	}
	if hasFlags(c) {
		s += " [flags]"
	}
	if c.args != "" {
		s += " " + c.args
	}
	return s
}

func hasFlags(c *command) bool {
	fs := newFlagSet(nil)
	c.flags(fs)
	n := 0
	fs.VisitAll(func(*flag.Flag) { n++ })
	return n > 0
}

// usage is the command's help text: synopsis, description, then the
// subcommands of a group or the flags of a leaf.
func (c *command) usage(path []string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "usage: %s\n", c.synopsis(path))
	if c.summary != "" {
		fmt.Fprintf(&b, "\n%s\n", capitalize(c.summary))
	}
	if c.help != "" {
		fmt.Fprintf(&b, "\n%s\n", strings.TrimRight(c.help, "\n"))
	}
	if c.sub != nil {
		b.WriteString("\ncommands:\n")
		width := 0
		for _, s := range c.sub {
			width = max(width, len(s.name))
		}
		for _, s := range c.sub {
			fmt.Fprintf(&b, "  %-*s  %s\n", width, s.name, s.summary)
		}
		fmt.Fprintf(&b, "\nRun \"cloudgate help %s<command>\" (or \"%s <command> -h\") for a command's flags.\n",
			strings.Join(append(path[1:], ""), " "), strings.Join(path, " "))
		return b.String()
	}
	fs := newFlagSet(path)
	c.flags(fs)
	first := true
	fs.VisitAll(func(f *flag.Flag) {
		if first {
			b.WriteString("\nflags (each may also be set as CLOUDGATE_<FLAG>, e.g. " + config.EnvName(f.Name) + "):\n")
			first = false
		}
		name, text := flag.UnquoteUsage(f)
		fmt.Fprintf(&b, "  --%s", f.Name)
		if name != "" {
			fmt.Fprintf(&b, " %s", name)
		}
		fmt.Fprintf(&b, "\n        %s", text)
		if f.DefValue != "" && f.DefValue != "false" && f.DefValue != "0" && f.DefValue != "0s" && f.DefValue != "[]" {
			fmt.Fprintf(&b, " (default %s)", f.DefValue)
		}
		b.WriteString("\n")
	})
	return b.String()
}

func capitalize(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:] + "."
}
