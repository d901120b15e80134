package deferlog

import (
	"bytes"
	"log/slog"
	"sync"
	"testing"
)

// logThrough logs the same records through a chain of With/WithGroup calls.
func logThrough(handler slog.Handler) {
	named := slog.New(handler).With(slog.String("name", "sqlite"))
	args := []any{"a-b", []byte{1, 2}, 3}
	named.With(slog.Any("args", args)).Debug(">>> INSERT INTO t (_ferretdb_sjson) VALUES (?)")
	named.With(slog.Any("args", args)).Error("<<< failed", slog.Int("rows", 0))
	grouped := named.WithGroup("conn").With("peer", "127.0.0.1:1").WithGroup("empty")
	grouped.Warn("closed", "after", "1s")
	grouped.WithGroup("").With().Error("nothing added", slog.Group("g", "k", "v"))
}

func TestHandlerWritesWhatTheRootHandlerWrites(t *testing.T) {
	for _, level := range []slog.Level{slog.LevelDebug, slog.LevelWarn, slog.LevelError} {
		var direct, deferred bytes.Buffer
		options := &slog.HandlerOptions{Level: level, ReplaceAttr: withoutTime}
		logThrough(slog.NewTextHandler(&direct, options))
		logThrough(NewHandler(slog.NewTextHandler(&deferred, options)))
		if direct.String() != deferred.String() {
			t.Fatalf("level %v:\ndirect:\n%s\ndeferred:\n%s", level, direct.String(), deferred.String())
		}
		if direct.Len() == 0 {
			t.Fatalf("level %v: nothing was logged", level)
		}
	}
}

func TestHandlerFormatsNothingBelowItsLevel(t *testing.T) {
	var out bytes.Buffer
	logger := slog.New(NewHandler(slog.NewTextHandler(&out, &slog.HandlerOptions{Level: slog.LevelError})))
	formatted := false
	logger.With(slog.Any("args", valuer(func() { formatted = true }))).Debug("statement")
	if formatted || out.Len() != 0 {
		t.Fatalf("a debug record's attributes were formatted at level error (output %q)", out.String())
	}
	logger.With(slog.Any("args", valuer(func() { formatted = true }))).Error("statement")
	if !formatted {
		t.Fatal("an error record's attributes were not formatted")
	}
}

func TestHandlerIsSafeForConcurrentUse(t *testing.T) {
	var out bytes.Buffer
	var mu sync.Mutex
	logger := slog.New(NewHandler(slog.NewTextHandler(&lockedWriter{&out, &mu}, nil))).With("shared", 1)
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			logger.Info("hello")
		}()
	}
	wg.Wait()
	if got := bytes.Count(out.Bytes(), []byte("shared=1")); got != 8 {
		t.Fatalf("%d of 8 records carry the shared attribute:\n%s", got, out.String())
	}
}

func withoutTime(groups []string, a slog.Attr) slog.Attr {
	if len(groups) == 0 && a.Key == slog.TimeKey {
		return slog.Attr{}
	}
	return a
}

// valuer calls seen when slog resolves it, i.e. when the attribute is formatted.
type valuer func()

func (v valuer) LogValue() slog.Value {
	v()
	return slog.StringValue("resolved")
}

type lockedWriter struct {
	out *bytes.Buffer
	mu  *sync.Mutex
}

func (w *lockedWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.out.Write(p)
}
