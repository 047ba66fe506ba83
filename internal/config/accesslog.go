package config

import (
	"fmt"
	"path/filepath"
	"strings"
)

// AccessLog says where the registry's and the proxy's access logs go:
// one line per request, in the format of log.format.
type AccessLog struct {
	// Registry is the log of the registry and the API on Listen.
	Registry string `yaml:"registry"`
	// Proxy is the log of the edge proxy on ProxyListen.
	Proxy string `yaml:"proxy"`
}

// Destinations of an access log besides a file's path.
const (
	AccessLogStderr = "stderr" // berth's own log stream
	AccessLogOff    = "off"    // no access log
)

func defaultAccessLog() AccessLog {
	return AccessLog{Registry: AccessLogStderr, Proxy: AccessLogStderr}
}

func (a AccessLog) validate() []error {
	var errs []error
	for name, dest := range map[string]string{"access_log.registry": a.Registry, "access_log.proxy": a.Proxy} {
		if err := validateAccessLog(dest); err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", name, err))
		}
	}
	return errs
}

func validateAccessLog(dest string) error {
	switch {
	case dest == AccessLogStderr || dest == AccessLogOff:
		return nil
	case strings.TrimSpace(dest) == "":
		return fmt.Errorf("want %s, %s or a file's path", AccessLogStderr, AccessLogOff)
	case strings.HasSuffix(dest, "/") || filepath.Base(dest) == "." || filepath.Base(dest) == "..":
		return fmt.Errorf("%q: want %s, %s or a file's path, not a directory", dest, AccessLogStderr, AccessLogOff)
	}
	return nil
}
