package version

import (
	"fmt"
	"runtime"
	"runtime/debug"
)

// Info describes a build of berth.
type Info struct {
	Version  string // module version, or "(devel)"
	Revision string // VCS revision, when recorded
	Modified bool   // work tree had uncommitted changes at build time
	Go       string // Go toolchain version
}

// Get reads the build information recorded in the running binary.
func Get() Info {
	info := Info{Version: "(devel)", Go: runtime.Version()}
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return info
	}
	if v := bi.Main.Version; v != "" {
		info.Version = v
	}
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			info.Revision = s.Value
		case "vcs.modified":
			info.Modified = s.Value == "true"
		}
	}
	return info
}

// String renders the build as one line, e.g. "berth v1.2.3 (abc123, go1.26.8)".
func (i Info) String() string {
	rev := i.Revision
	if rev == "" {
		rev = "unknown revision"
	}
	if i.Modified {
		rev += "+dirty"
	}
	return fmt.Sprintf("berth %s (%s, %s)", i.Version, rev, i.Go)
}
