// Package deferlog holds a slog.Handler that formats attributes only for the records it writes.
package deferlog

import (
	"context"
	"log/slog"
	"slices"
	"sync"
)

// Handler defers [slog.Handler.WithAttrs] and [slog.Handler.WithGroup] until a record is
// actually handled.
//
// Why: FerretDB's SQLite backend (internal/util/fsql, db.go and tx.go in v1.24.2) builds a
// logger for every statement it runs, `l.With(slog.Any("args", args))`, before it asks whether
// the debug level is enabled. slog's TextHandler formats attributes as soon as they are added
// (WithAttrs pre-formats them), so every statement's arguments, the whole JSON document of an
// insert included, were quoted into a string that was then thrown away: a quarter of FerretDB's
// CPU under the bench's payload mix at 64 connections. Deferred, that logger costs a few small
// allocations; a record that is written gets the same attributes, formatted by the same handler,
// as without this one.
//
// Enabled is answered by the root handler, so it must decide by level alone, whatever
// attributes were added (slog's Text and JSON handlers do).
type Handler struct {
	root  slog.Handler
	steps []step // applied to root in order, once, on the first Handle

	once  sync.Once
	built slog.Handler
}

// step is one WithAttrs (attrs) or one WithGroup (group) call.
type step struct {
	attrs []slog.Attr
	group string
}

// NewHandler wraps root (see Handler for what root must do).
func NewHandler(root slog.Handler) *Handler {
	return &Handler{root: root}
}

func (h *Handler) Enabled(ctx context.Context, level slog.Level) bool {
	return h.root.Enabled(ctx, level)
}

func (h *Handler) Handle(ctx context.Context, record slog.Record) error {
	return h.handler().Handle(ctx, record)
}

// WithAttrs keeps attrs as they are: slog hands the slice over to the handler.
func (h *Handler) WithAttrs(attrs []slog.Attr) slog.Handler {
	if len(attrs) == 0 {
		return h
	}
	return h.with(step{attrs: attrs})
}

func (h *Handler) WithGroup(name string) slog.Handler {
	if name == "" {
		return h
	}
	return h.with(step{group: name})
}

func (h *Handler) with(next step) *Handler {
	// Clip: the new handler's steps never share a backing array with another handler's.
	return &Handler{root: h.root, steps: append(slices.Clip(h.steps), next)}
}

// handler applies the deferred steps to the root handler, once per Handler.
func (h *Handler) handler() slog.Handler {
	h.once.Do(func() {
		built := h.root
		for _, s := range h.steps {
			if s.group != "" {
				built = built.WithGroup(s.group)
			} else {
				built = built.WithAttrs(s.attrs)
			}
		}
		h.built = built
	})
	return h.built
}
