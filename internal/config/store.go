package config

import "flag"

// Store selects the database, for every command that opens one.
type Store struct {
	DataDir string
	DSN     string
}

// AddStoreFlags registers --data and --db on fs.
func AddStoreFlags(fs *flag.FlagSet, s *Store) {
	fs.StringVar(&s.DataDir, "data", "./cloudgate-data", "data directory (database, TLS certificate)")
	fs.StringVar(&s.DSN, "db", "", "database `DSN`: sqlite://PATH or postgres://... (default sqlite://<data>/cloudgate.db)")
}

// ResolvedDSN returns the DSN with the default applied.
func (s Store) ResolvedDSN() string {
	if s.DSN != "" {
		return s.DSN
	}
	return "sqlite://" + s.DataDir + "/cloudgate.db"
}
