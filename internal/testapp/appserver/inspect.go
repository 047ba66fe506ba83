package appserver

import (
	"encoding/json"
	"errors"
	"io"
	"io/fs"
	"net"
	"net/http"
	"os"
	"strings"
)

// The routes below let a test see from inside a container what the
// runtime applied to it: its identity, environment, files, limits and
// names. They answer JSON, or an error as {"error": "..."}.

// Identity is what GET /id answers: the process's user, groups, host
// and domain name, process ID and working directory.
type Identity struct {
	UID        int    `json:"uid"`
	GID        int    `json:"gid"`
	Groups     []int  `json:"groups"`
	Hostname   string `json:"hostname"`
	DomainName string `json:"domainname"`
	PID        int    `json:"pid"`
	Cwd        string `json:"cwd"`
}

func (s *Server) id(w http.ResponseWriter, r *http.Request) {
	var id Identity
	id.UID, id.GID, id.PID = os.Getuid(), os.Getgid(), os.Getpid()
	var err error
	if id.Groups, err = os.Getgroups(); err != nil {
		answerError(w, http.StatusInternalServerError, err)
		return
	}
	if id.Hostname, err = os.Hostname(); err != nil {
		answerError(w, http.StatusInternalServerError, err)
		return
	}
	if b, err := os.ReadFile("/proc/sys/kernel/domainname"); err == nil {
		id.DomainName = strings.TrimSpace(string(b))
		if id.DomainName == "(none)" {
			id.DomainName = ""
		}
	}
	if id.Cwd, err = os.Getwd(); err != nil {
		answerError(w, http.StatusInternalServerError, err)
		return
	}
	answerJSON(w, id)
}

// env answers the value of the variable ?name= as text.
func (s *Server) env(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	_, _ = io.WriteString(w, s.getenv(r.URL.Query().Get("name")))
}

// FileInfo is what GET /fs answers about a path.
type FileInfo struct {
	// Type is file, dir, symlink, device, chardevice, pipe, socket or
	// other.
	Type string `json:"type"`
	// Mode is the permission bits with setuid, setgid and sticky, in
	// octal ("0444", "1777").
	Mode string `json:"mode"`
	UID  int    `json:"uid"`
	GID  int    `json:"gid"`
	// Content is a regular file's content, up to 1 MiB.
	Content string `json:"content,omitempty"`
	// Link is a symlink's target.
	Link string `json:"link,omitempty"`
	// FSSize is the size in bytes of the filesystem the path is on,
	// and FSReadOnly whether it is mounted read-only.
	FSSize     uint64 `json:"fsSize"`
	FSReadOnly bool   `json:"fsReadOnly"`
}

const maxContent = 1 << 20

func (s *Server) readFile(w http.ResponseWriter, r *http.Request) {
	path := r.URL.Query().Get("path")
	if path == "" {
		answerError(w, http.StatusBadRequest, errors.New("no path given"))
		return
	}
	fi, err := os.Lstat(path)
	if err != nil {
		answerError(w, fsStatus(err), err)
		return
	}
	info := FileInfo{Type: fileType(fi.Mode())}
	info.Mode, info.UID, info.GID = statOwner(fi)
	info.FSSize, info.FSReadOnly = statFS(path)
	switch {
	case fi.Mode().IsRegular():
		f, err := os.Open(path)
		if err != nil {
			answerError(w, fsStatus(err), err)
			return
		}
		defer f.Close()
		b, err := io.ReadAll(io.LimitReader(f, maxContent))
		if err != nil {
			answerError(w, http.StatusInternalServerError, err)
			return
		}
		info.Content = string(b)
	case fi.Mode()&fs.ModeSymlink != 0:
		if info.Link, err = os.Readlink(path); err != nil {
			answerError(w, http.StatusInternalServerError, err)
			return
		}
	}
	answerJSON(w, info)
}

// writeFile writes the request's body to ?path=, creating the file with
// mode 0644 or truncating it, or with ?dir=1 makes the directory and
// its parents (mode 0755), and answers 204, or the error (such as
// writing to a read-only filesystem) with 500.
func (s *Server) writeFile(w http.ResponseWriter, r *http.Request) {
	path := r.URL.Query().Get("path")
	if path == "" {
		answerError(w, http.StatusBadRequest, errors.New("no path given"))
		return
	}
	if r.URL.Query().Get("dir") == "1" {
		if err := os.MkdirAll(path, 0o755); err != nil {
			answerError(w, fsStatus(err), err)
			return
		}
		w.WriteHeader(http.StatusNoContent)
		return
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, maxContent))
	if err != nil {
		answerError(w, http.StatusBadRequest, err)
		return
	}
	if err := os.WriteFile(path, body, 0o644); err != nil {
		answerError(w, fsStatus(err), err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// resolve answers the addresses ?name= resolves to.
func (s *Server) resolve(w http.ResponseWriter, r *http.Request) {
	addrs, err := net.DefaultResolver.LookupHost(r.Context(), r.URL.Query().Get("name"))
	if err != nil {
		answerError(w, http.StatusNotFound, err)
		return
	}
	answerJSON(w, addrs)
}

func fileType(m fs.FileMode) string {
	switch {
	case m.IsRegular():
		return "file"
	case m.IsDir():
		return "dir"
	case m&fs.ModeSymlink != 0:
		return "symlink"
	case m&fs.ModeCharDevice != 0:
		return "chardevice"
	case m&fs.ModeDevice != 0:
		return "device"
	case m&fs.ModeNamedPipe != 0:
		return "pipe"
	case m&fs.ModeSocket != 0:
		return "socket"
	}
	return "other"
}

func fsStatus(err error) int {
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return http.StatusNotFound
	case errors.Is(err, fs.ErrPermission):
		return http.StatusForbidden
	}
	return http.StatusInternalServerError
}

func answerJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(v)
}

func answerError(w http.ResponseWriter, status int, err error) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]string{"error": err.Error()})
}
