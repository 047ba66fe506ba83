package server

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/berth-dev/berth/internal/atomicfile"
)

// instance is who this berth is among others on one Docker daemon: its
// id goes on, and into the names of, everything its driver creates, so
// that two berths never touch each other's containers, networks or
// volumes, even for apps of the same name.
type instance struct {
	ID string `json:"id"`
	// AdoptUnlabelled is set for a data directory that held apps before
	// berth had instance ids: their containers, networks and volumes
	// carry no id and stay this berth's.
	AdoptUnlabelled bool `json:"adoptUnlabelled,omitempty"`
}

// loadInstance reads <dataDir>/instance, or makes it the first time.
func loadInstance(dataDir string) (instance, error) {
	path := filepath.Join(dataDir, "instance")
	inst, err := readInstance(path)
	if !errors.Is(err, fs.ErrNotExist) {
		return inst, err
	}
	var b [4]byte
	_, _ = rand.Read(b[:]) // never fails (crypto/rand)
	inst = instance{ID: hex.EncodeToString(b[:])}
	// deploy.db before the instance file: apps from before ids.
	if _, err := os.Stat(filepath.Join(dataDir, "deploy.db")); err == nil {
		inst.AdoptUnlabelled = true
	}
	data, _ := json.Marshal(inst)
	// Another start that wrote it first wins: then read that.
	if _, err := atomicfile.Create(path, append(data, '\n'), 0o600); err != nil {
		return instance{}, fmt.Errorf("writing the instance id: %w", err)
	}
	return readInstance(path)
}

func readInstance(path string) (instance, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return instance{}, err
	}
	var inst instance
	if err := json.Unmarshal(data, &inst); err != nil || inst.ID == "" {
		return instance{}, fmt.Errorf("reading the instance id %s: not {\"id\": ...}: restore it from a backup; "+
			"a new id would orphan every container this berth runs", path)
	}
	return inst, nil
}
