package backend

import (
	"context"
	"errors"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/cloudgate/cloudgate/internal/store"
)

func TestOpenErrorsHidePasswords(t *testing.T) {
	// A port nobody listens on: the open fails at once and says so.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	for _, dsn := range []string{
		"postgres://cg:Sup3r-secret@" + addr + "/db?sslmode=disable",
		"postgresql://cg@" + addr + "/db?sslmode=disable&password=Sup3r-secret",
		"mysql://cg:Sup3r-secret@" + addr + "/db",
	} {
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		start := time.Now()
		s, err := Open(ctx, dsn)
		cancel()
		if err == nil {
			s.Close()
			t.Fatalf("Open(%s) succeeded", dsn)
		}
		if strings.Contains(err.Error(), "Sup3r-secret") {
			t.Errorf("error shows the password: %v", err)
		}
		if strings.HasPrefix(dsn, "postgres") && !errors.Is(err, store.ErrUnavailable) {
			t.Errorf("unreachable database: %v, want store.ErrUnavailable", err)
		}
		if d := time.Since(start); d > 10*time.Second {
			t.Errorf("Open took %v to fail", d)
		}
	}
}
