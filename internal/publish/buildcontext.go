package publish

import (
	"archive/tar"
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	archive "github.com/moby/go-archive"
	"github.com/moby/patternmatcher"
	"github.com/moby/patternmatcher/ignorefile"
)

// buildContext is a context directory ready to send: its tar stream
// and the Dockerfile's name inside it.
type buildContext struct {
	tar        io.ReadCloser
	dockerfile string
}

// newBuildContext tars dir for the daemon as docker build does: without
// what .dockerignore excludes (but always with the Dockerfile and
// .dockerignore, which the daemon needs and then drops itself when they
// are excluded), owned by root. A Dockerfile outside dir is added under
// a random name that .dockerignore then excludes from the build.
// dockerfile is relative to the working directory; "" means
// dir/Dockerfile.
func newBuildContext(dir, dockerfile string) (*buildContext, error) {
	dir, err := resolvePath(dir)
	if err != nil {
		return nil, fmt.Errorf("finding the build context: %w", err)
	}
	if fi, err := os.Stat(dir); err != nil {
		return nil, fmt.Errorf("finding the build context: %w", err)
	} else if !fi.IsDir() {
		return nil, fmt.Errorf("finding the build context: %s is not a directory", dir)
	}
	df, err := findDockerfile(dir, dockerfile)
	if err != nil {
		return nil, err
	}
	excludes, err := readDockerignore(dir)
	if err != nil {
		return nil, err
	}
	rel, err := filepath.Rel(dir, df)
	if err != nil {
		return nil, fmt.Errorf("locating the Dockerfile: %w", err)
	}
	outside := rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator))
	if !outside {
		rel = filepath.ToSlash(rel)
		excludes = keepBuildFiles(excludes, rel)
	} else {
		excludes = keepBuildFiles(excludes, "")
	}
	tr, err := archive.TarWithOptions(dir, &archive.TarOptions{
		ExcludePatterns: excludes,
		ChownOpts:       &archive.ChownOpts{UID: 0, GID: 0},
	})
	if err != nil {
		return nil, fmt.Errorf("archiving the build context: %w", err)
	}
	if !outside {
		return &buildContext{tar: tr, dockerfile: rel}, nil
	}
	content, err := os.ReadFile(df)
	if err != nil {
		tr.Close()
		return nil, fmt.Errorf("reading the Dockerfile: %w", err)
	}
	name := ".dockerfile." + randomHex(10)
	return &buildContext{tar: addDockerfile(tr, name, content), dockerfile: name}, nil
}

// resolvePath makes p absolute with symbolic links resolved, so that
// the Dockerfile's place relative to the context is what it really is.
func resolvePath(p string) (string, error) {
	abs, err := filepath.Abs(p)
	if err != nil {
		return "", err
	}
	return filepath.EvalSymlinks(abs)
}

// findDockerfile returns the Dockerfile's resolved path. Like docker, it
// falls back to a lowercase "dockerfile" in the context.
func findDockerfile(dir, dockerfile string) (string, error) {
	if dockerfile == "" {
		dockerfile = filepath.Join(dir, "Dockerfile")
		if _, err := os.Lstat(dockerfile); errors.Is(err, os.ErrNotExist) {
			if _, err := os.Lstat(filepath.Join(dir, "dockerfile")); err == nil {
				dockerfile = filepath.Join(dir, "dockerfile")
			}
		}
	}
	p, err := resolvePath(dockerfile)
	if err != nil {
		return "", fmt.Errorf("finding the Dockerfile: %w", err)
	}
	if fi, err := os.Stat(p); err != nil {
		return "", fmt.Errorf("finding the Dockerfile: %w", err)
	} else if fi.IsDir() {
		return "", fmt.Errorf("finding the Dockerfile: %s is a directory", dockerfile)
	}
	return p, nil
}

// readDockerignore returns the patterns of dir/.dockerignore, if any.
func readDockerignore(dir string) ([]string, error) {
	f, err := os.Open(filepath.Join(dir, ".dockerignore"))
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("reading .dockerignore: %w", err)
	}
	defer f.Close()
	patterns, err := ignorefile.ReadAll(f)
	if err != nil {
		return nil, fmt.Errorf("reading .dockerignore: %w", err)
	}
	return patterns, nil
}

// keepBuildFiles makes sure .dockerignore and the Dockerfile (its path
// in the context, or "" when it is outside) are sent even when the
// patterns exclude them (docker CLI's TrimBuildFilesFromExcludes).
func keepBuildFiles(excludes []string, dockerfile string) []string {
	if len(excludes) == 0 {
		return excludes
	}
	if excluded, _ := patternmatcher.MatchesOrParentMatches(".dockerignore", excludes); excluded {
		excludes = append(excludes, "!.dockerignore")
	}
	if dockerfile != "" {
		if excluded, _ := patternmatcher.MatchesOrParentMatches(dockerfile, excludes); excluded {
			excludes = append(excludes, "!"+dockerfile)
		}
	}
	return excludes
}

// addDockerfile adds content to the context's tar stream as name and
// name to its .dockerignore, so that the daemon reads the Dockerfile
// but drops it from what the build sees (docker CLI's
// AddDockerfileToBuildContext).
func addDockerfile(context io.ReadCloser, name string, content []byte) io.ReadCloser {
	now := time.Now()
	file := func(name string) *tar.Header {
		return &tar.Header{Name: name, Mode: 0o600, ModTime: now, Typeflag: tar.TypeReg, AccessTime: now, ChangeTime: now}
	}
	return archive.ReplaceFileTarWrapper(context, map[string]archive.TarModifierFunc{
		name: func(string, *tar.Header, io.Reader) (*tar.Header, []byte, error) {
			return file(name), content, nil
		},
		".dockerignore": func(_ string, h *tar.Header, r io.Reader) (*tar.Header, []byte, error) {
			if h == nil {
				h = file(".dockerignore")
			}
			var b bytes.Buffer
			if r != nil {
				if _, err := io.Copy(&b, r); err != nil {
					return nil, nil, err
				}
			}
			b.WriteString("\n" + name + "\n")
			return h, b.Bytes(), nil
		},
	})
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
