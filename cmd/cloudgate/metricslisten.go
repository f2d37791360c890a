package main

import (
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"time"
)

// defaultMetricsListen is where /metrics is served unless --metrics-listen
// says otherwise: loopback, so that nothing leaves the host until an
// operator chooses an interface for the scraper.
const defaultMetricsListen = "127.0.0.1:9443"

// metricsOff tells whether --metrics-listen turns the listener off.
func metricsOff(addr string) bool {
	switch strings.ToLower(strings.TrimSpace(addr)) {
	case "", "off", "none", "false":
		return true
	}
	return false
}

// startMetrics serves Prometheus metrics in plain HTTP on a listener of
// their own, never on the public one: they tell request rates, routes and
// outcomes that are the operator's business, not every client's. The
// address may be any interface (a scraper on another host needs one); a
// non-loopback one is logged as a warning so the choice is visible.
func startMetrics(addr string, h http.Handler, log *slog.Logger) (*http.Server, net.Addr, error) {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, nil, usagef("--metrics-listen %q: %v (want host:port, or off)", addr, err)
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, nil, fmt.Errorf("--metrics-listen: %w", err)
	}
	if ip := net.ParseIP(host); host != "localhost" && (ip == nil || !ip.IsLoopback()) {
		log.Warn("metrics are served in plain HTTP beyond loopback; keep that interface private", "address", ln.Addr().String())
	}
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", h)
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second, ReadTimeout: 30 * time.Second,
		WriteTimeout: 60 * time.Second, IdleTimeout: 120 * time.Second, MaxHeaderBytes: 16 << 10,
		ErrorLog: slog.NewLogLogger(log.Handler(), slog.LevelWarn)}
	go func() {
		if err := srv.Serve(ln); err != nil && err != http.ErrServerClosed {
			log.Warn("metrics listener stopped", "err", err)
		}
	}()
	return srv, ln.Addr(), nil
}
