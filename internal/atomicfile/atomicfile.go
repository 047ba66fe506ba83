package atomicfile

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
)

// Write replaces path with data, with permissions mode.
func Write(path string, data []byte, mode fs.FileMode) error {
	return place(path, data, mode, os.Rename)
}

// Create writes data to path with permissions mode unless path exists:
// of two processes creating it at once, one writes it and the other
// keeps that. It reports whether this call wrote it.
func Create(path string, data []byte, mode fs.FileMode) (bool, error) {
	created := true
	err := place(path, data, mode, func(tmp, path string) error {
		err := os.Link(tmp, path)
		if errors.Is(err, fs.ErrExist) {
			created, err = false, nil
		}
		return err
	})
	return created && err == nil, err
}

// place writes data to a synced temporary file beside path and moves it
// there with move, then syncs the directory.
func place(path string, data []byte, mode fs.FileMode, move func(tmp, path string) error) error {
	dir := filepath.Dir(path)
	f, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return err
	}
	defer os.Remove(f.Name()) // once moved or linked, only the temporary name goes
	_, werr := f.Write(data)
	if err := errors.Join(werr, f.Chmod(mode), f.Sync(), f.Close()); err != nil {
		return err
	}
	if err := move(f.Name(), path); err != nil {
		return err
	}
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}
