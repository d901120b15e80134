// Command ferretdb runs FerretDB's embeddable package on one TCP address, with the SQLite
// backend (the default) or the PostgreSQL one (`--handler=postgresql --postgresql-url=...`). The project builds this wrapper instead of `go install .../cmd/ferretdb`
// because that command panics when built outside FerretDB's own repository (its
// build/version/version.txt is empty in the published module). The embedded package
// disables telemetry and locks it off, and starts no debug listener.
package main

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"syscall"

	"github.com/FerretDB/FerretDB/ferretdb"

	"sqibs.local/tools/ferretdb/deferlog"
)

func main() {
	listenAddr := flag.String("listen-addr", "127.0.0.1:27017", "TCP address to listen on")
	handler := flag.String("handler", "sqlite", "backend: sqlite or postgresql")
	sqliteURL := flag.String("sqlite-url", "file:data/", "SQLite database directory URL (sqlite handler)")
	postgreSQLURL := flag.String("postgresql-url", "", "PostgreSQL connection string (postgresql handler), e.g. postgres://127.0.0.1:5432/ferretdb")
	logLevel := flag.String("log-level", "error", "debug, info, warn or error")
	flag.Parse()

	var level slog.Level
	if err := level.UnmarshalText([]byte(*logLevel)); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	if *handler != "sqlite" && *handler != "postgresql" {
		fmt.Fprintf(os.Stderr, "--handler must be sqlite or postgresql, not %q\n", *handler)
		os.Exit(2)
	}
	if *handler == "postgresql" && *postgreSQLURL == "" {
		fmt.Fprintln(os.Stderr, "--handler=postgresql needs --postgresql-url")
		os.Exit(2)
	}
	// Deferred: FerretDB adds every SQL statement's arguments to a logger before it checks
	// the level, and slog's TextHandler would format them there (see deferlog).
	textHandler := slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: level})
	logger := slog.New(deferlog.NewHandler(textHandler))

	db, err := ferretdb.New(&ferretdb.Config{
		Listener:      ferretdb.ListenerConfig{TCP: *listenAddr},
		Logger:        logger,
		Handler:       *handler,
		SQLiteURL:     *sqliteURL,
		PostgreSQLURL: *postgreSQLURL,
	})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}

	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	if err := db.Run(ctx); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
