package cli

import (
	"strings"
	"testing"

	"github.com/berth-dev/berth/internal/deploy"
	"github.com/berth-dev/berth/internal/driver"
)

func TestInspectPrintsWhatTheHostApplied(t *testing.T) {
	d := deploy.ContainerDetail{Name: "berth-db-db-blue-r3-0-beef", Revision: 3, Set: "blue", State: "running",
		Runtime: driver.Runtime{
			User: "1000", ReadOnly: true, CapDrop: []string{"ALL"}, SecurityOpt: []string{"no-new-privileges:true"},
			Ports:     []driver.PortBinding{{HostIP: "127.0.0.1", HostPort: "6499", ContainerPort: 8080, Protocol: "tcp"}},
			Resources: driver.Resources{Memory: 64 << 20, PidsLimit: 100, NanoCPUs: 5e8},
			Mounts: []driver.Mount{{Type: driver.MountVolume, Source: "dbdata", Target: "/data"},
				{Type: driver.MountTmpfs, Target: "/tmp", TmpfsSize: 1 << 20}},
			Files: []driver.File{{Target: "/run/secrets/db_pw", Mode: 0o400, UID: "1000", Secret: true, Content: []byte("hunter2")}},
		}}
	var b strings.Builder
	printDetail(&b, d)
	out := b.String()
	for _, want := range []string{
		"user:          1000", "read-only:     yes", "cap drop:      ALL", "security:      no-new-privileges:true",
		"ports:         127.0.0.1:6499->8080/tcp", "limits:        cpus 0.5, memory 64MiB, pids 100",
		"mount:         volume dbdata -> /data", "mount:         tmpfs /tmp size 1MiB",
		"secret:        /run/secrets/db_pw (mode 0400, owner 1000:-)",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("the output has no %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "hunter2") {
		t.Errorf("the output shows a secret's content:\n%s", out)
	}
}
