package registry

import (
	"fmt"
	"time"
)

// strayGrace protects a fresh upload file whose session record is still
// being written.
const strayGrace = time.Minute

// SweepUploads makes upload files and session records agree and removes
// sessions idle for longer than ttl. It is safe while serving, and is what
// brings the uploads of a crashed process back into order at start-up. It
// returns how many sessions or files it removed.
func (g *Registry) SweepUploads(ttl time.Duration) (int, error) {
	now := g.now()
	// Records first: a session's file is created before its record, so
	// every record listed here already had its file when files are listed.
	records, err := g.meta.Uploads()
	if err != nil {
		return 0, fmt.Errorf("sweeping uploads: %w", err)
	}
	files, err := g.blobs.Uploads()
	if err != nil {
		return 0, fmt.Errorf("sweeping uploads: %w", err)
	}
	onDisk := make(map[string]time.Time, len(files))
	for _, f := range files {
		onDisk[f.ID] = f.ModTime
	}
	removed := 0
	for _, u := range records {
		mod, ok := onDisk[u.ID]
		delete(onDisk, u.ID)
		if ok && now.Sub(mod) < ttl {
			continue
		}
		// Idle too long, or its file is gone (committed by a process that
		// stopped before it could close the session).
		g.blobs.DeleteUpload(u.ID)
		if err := g.meta.DeleteUpload(u.ID); err != nil {
			return removed, fmt.Errorf("sweeping uploads: %w", err)
		}
		if ok {
			g.log.Info("upload expired", "upload", u.ID, "repo", u.Repo, "idle", now.Sub(mod).Round(time.Second))
		}
		removed++
	}
	for id, mod := range onDisk {
		if now.Sub(mod) >= strayGrace {
			g.blobs.RemoveStray(id)
			removed++
		}
	}
	return removed, nil
}
