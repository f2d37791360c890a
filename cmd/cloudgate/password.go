package main

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
)

// readPassword reads one line from stdin. Passwords are never command-line
// arguments (they would show in ps and shell history). On a terminal the
// prompt goes to stderr and echo is turned off while typing.
func (a *app) readPassword(prompt string) (string, error) {
	if f, ok := a.stdin.(*os.File); ok && isTerminal(f) {
		fmt.Fprint(a.stderr, prompt)
		restore, err := noEcho(f)
		if err == nil {
			defer func() { restore(); fmt.Fprintln(a.stderr) }()
		}
	}
	line, err := bufio.NewReaderSize(a.stdin, 4096).ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return "", err
	}
	if errors.Is(err, io.EOF) && line == "" {
		return "", usagef("no password on standard input (pipe it in, for example: printf '%%s\\n' \"$PW\" | cloudgate ...)")
	}
	pw := strings.TrimRight(line, "\r\n")
	if pw == "" {
		return "", usagef("the password is empty")
	}
	return pw, nil
}
