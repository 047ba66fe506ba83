package accesslog

import (
	"fmt"
	"io"
	"log/slog"
	"os"
	"sync"

	"github.com/berth-dev/berth/internal/config"
)

// Log is an access log's destination as the configuration names it.
type Log struct {
	// Logger writes the lines; nil when the log is off.
	Logger *slog.Logger
	file   *file // nil unless the destination is a file
}

// Open returns the access log of dest, config.AccessLogStderr (on
// stderr), config.AccessLogOff or a file's path, in format (text or
// json). A file is opened to append, created 0640 when missing.
func Open(dest, format string, stderr io.Writer) (*Log, error) {
	var w io.Writer
	l := &Log{}
	switch dest {
	case config.AccessLogOff:
		return l, nil
	case config.AccessLogStderr:
		w = stderr
	default:
		f, err := openFile(dest)
		if err != nil {
			return nil, err
		}
		l.file = f
		w = f
	}
	opts := &slog.HandlerOptions{Level: slog.LevelInfo}
	if format == "json" {
		l.Logger = slog.New(slog.NewJSONHandler(w, opts))
	} else {
		l.Logger = slog.New(slog.NewTextHandler(w, opts))
	}
	return l, nil
}

// Reopen opens the log's file again, by its path, so that a file moved
// away by log rotation is let go of; it does nothing for stderr or off.
func (l *Log) Reopen() error {
	if l.file == nil {
		return nil
	}
	return l.file.reopen()
}

// Close closes the log's file, if it has one.
func (l *Log) Close() error {
	if l.file == nil {
		return nil
	}
	return l.file.close()
}

// file is an append-only log file that can be reopened while it is
// written to.
type file struct {
	path string
	mu   sync.RWMutex // held for writing while the file is swapped
	f    *os.File
}

func openFile(path string) (*file, error) {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o640)
	if err != nil {
		return nil, fmt.Errorf("opening the access log: %w", err)
	}
	return &file{path: path, f: f}, nil
}

// Write appends p; slog's handlers call it with one whole line.
func (f *file) Write(p []byte) (int, error) {
	f.mu.RLock()
	defer f.mu.RUnlock()
	return f.f.Write(p)
}

func (f *file) reopen() error {
	nf, err := openFile(f.path)
	if err != nil {
		return err
	}
	f.mu.Lock()
	old := f.f
	f.f = nf.f
	f.mu.Unlock()
	return old.Close()
}

func (f *file) close() error {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.f.Close()
}
