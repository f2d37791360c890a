// Package cluster holds the tests of several cloudgate instances on one
// PostgreSQL database: real `cloudgate serve` processes on loopback ports
// against a fresh database, revocation across instances and its delay,
// PostgreSQL restarts and kill -9 of an instance under load, and the
// benchmarks that compare the PostgreSQL and SQLite stores. It has no
// non-test code.
package cluster
