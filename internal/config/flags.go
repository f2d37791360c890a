// Package config reads cloudgate's settings from flags, with an
// environment variable CLOUDGATE_<FLAG> (upper case, dashes as
// underscores) standing in for any flag not given on the command line.
package config

import (
	"flag"
	"fmt"
	"os"
	"strings"
)

// EnvName returns the environment variable that stands in for a flag.
func EnvName(flagName string) string {
	return "CLOUDGATE_" + strings.ToUpper(strings.ReplaceAll(flagName, "-", "_"))
}

// Parse parses args into fs, then fills every flag that was not given from
// its environment variable. An invalid environment value is an error that
// names the variable.
func Parse(fs *flag.FlagSet, args []string, getenv func(string) string) error {
	if getenv == nil {
		getenv = os.Getenv
	}
	if err := fs.Parse(args); err != nil {
		return err
	}
	given := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { given[f.Name] = true })
	var err error
	fs.VisitAll(func(f *flag.Flag) {
		if given[f.Name] || err != nil {
			return
		}
		if v := getenv(EnvName(f.Name)); v != "" {
			if e := fs.Set(f.Name, v); e != nil {
				err = fmt.Errorf("%s: %v", EnvName(f.Name), e)
			}
		}
	})
	return err
}
