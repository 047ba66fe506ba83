package cli

import (
	"fmt"
	"io"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/berth-dev/berth/internal/deploy"
	"github.com/berth-dev/berth/internal/driver"
)

// serviceStatus prints the containers of app's service, and with
// inspect what the host applied to each.
func serviceStatus(cmd *cobra.Command, c *apiClient, app, service string, inspect, asJSON bool) error {
	var cs []deploy.ContainerDetail
	path := "/api/apps/" + url.PathEscape(app) + "/services/" + url.PathEscape(service)
	if err := c.do(cmd.Context(), http.MethodGet, path, nil, &cs); err != nil {
		return err
	}
	if asJSON {
		return printJSON(cmd.OutOrStdout(), cs)
	}
	out := cmd.OutOrStdout()
	if !inspect {
		tw := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "CONTAINER\tREV\tSET\tSTATE\tHEALTH\tSTARTED\tADDRESS\tPORTS")
		for _, d := range cs {
			fmt.Fprintf(tw, "%s\t%d\t%s\t%s\t%s\t%s\t%s\t%s\n", d.Name, d.Revision, d.Set, state(d), d.Health,
				started(d.StartedAt), dash(d.Addr), dash(strings.Join(deploy.Ports(d.Runtime), ", ")))
		}
		return tw.Flush()
	}
	for i, d := range cs {
		if i > 0 {
			fmt.Fprintln(out)
		}
		printDetail(out, d)
	}
	return nil
}

func state(d deploy.ContainerDetail) string {
	if d.State == "exited" {
		return fmt.Sprintf("exited (%d)", d.ExitCode)
	}
	return d.State
}

func started(t time.Time) string {
	if t.IsZero() {
		return "-"
	}
	return t.Local().Format(time.DateTime)
}

// printDetail writes one container's runtime as the host applied it,
// a line per setting that is set.
func printDetail(w io.Writer, d deploy.ContainerDetail) {
	rt := d.Runtime
	fmt.Fprintf(w, "%s (revision %d, %s set, %s)\n", d.Name, d.Revision, d.Set, state(d))
	line := func(key, value string) {
		if value != "" {
			fmt.Fprintf(w, "  %-14s %s\n", key+":", value)
		}
	}
	line("image", d.Image)
	line("user", rt.User)
	line("working dir", rt.WorkingDir)
	line("hostname", rt.Hostname)
	line("read-only", yes(rt.ReadOnly))
	line("privileged", yes(rt.Privileged))
	line("init", yesPtr(rt.Init))
	line("cap add", strings.Join(rt.CapAdd, ", "))
	line("cap drop", strings.Join(rt.CapDrop, ", "))
	line("security", strings.Join(rt.SecurityOpt, ", "))
	line("stop signal", rt.StopSignal)
	line("restart", restart(rt.Restart))
	line("ports", strings.Join(deploy.Ports(rt), ", "))
	line("limits", limits(rt.Resources, rt.ShmSize))
	var nets []string
	for _, n := range rt.Networks {
		nets = append(nets, n.Name+aliases(n.Aliases))
	}
	line("networks", strings.Join(nets, ", "))
	for _, m := range rt.Mounts {
		line("mount", mount(m))
	}
	for _, f := range rt.Files {
		kind := "config"
		if f.Secret {
			kind = "secret"
		}
		owner := ""
		if f.UID != "" || f.GID != "" {
			owner = fmt.Sprintf(", owner %s:%s", dash(f.UID), dash(f.GID))
		}
		line(kind, fmt.Sprintf("%s (mode %04o%s)", f.Target, f.Mode, owner))
	}
	for _, u := range rt.Ulimits {
		line("ulimit", fmt.Sprintf("%s=%d:%d", u.Name, u.Soft, u.Hard))
	}
	for _, k := range slices.Sorted(maps.Keys(rt.Sysctls)) {
		line("sysctl", k+"="+rt.Sysctls[k])
	}
	if rt.Logging != nil {
		line("logging", rt.Logging.Driver)
	}
}

func yes(b bool) string {
	if b {
		return "yes"
	}
	return ""
}

func yesPtr(b *bool) string {
	if b == nil {
		return ""
	}
	if *b {
		return "yes"
	}
	return "no"
}

func restart(r driver.RestartPolicy) string {
	if r.Name == "" {
		return ""
	}
	if r.MaxRetries > 0 {
		return fmt.Sprintf("%s (at most %d times)", r.Name, r.MaxRetries)
	}
	return r.Name
}

func limits(r driver.Resources, shm int64) string {
	var out []string
	if r.NanoCPUs > 0 {
		out = append(out, "cpus "+strconv.FormatFloat(float64(r.NanoCPUs)/1e9, 'f', -1, 64))
	}
	if r.Memory > 0 {
		out = append(out, "memory "+bytesOf(r.Memory))
	}
	if r.MemoryReservation > 0 {
		out = append(out, "memory reserved "+bytesOf(r.MemoryReservation))
	}
	if r.PidsLimit > 0 {
		out = append(out, "pids "+strconv.FormatInt(r.PidsLimit, 10))
	}
	if shm > 0 {
		out = append(out, "shm "+bytesOf(shm))
	}
	return strings.Join(out, ", ")
}

func bytesOf(n int64) string {
	for _, u := range []struct {
		size int64
		name string
	}{{1 << 30, "GiB"}, {1 << 20, "MiB"}, {1 << 10, "KiB"}} {
		if n >= u.size && n%u.size == 0 {
			return strconv.FormatInt(n/u.size, 10) + u.name
		}
	}
	return strconv.FormatInt(n, 10) + "B"
}

func aliases(a []string) string {
	if len(a) == 0 {
		return ""
	}
	return " (" + strings.Join(a, ", ") + ")"
}

func mount(m driver.Mount) string {
	var b strings.Builder
	switch m.Type {
	case driver.MountTmpfs:
		b.WriteString("tmpfs " + m.Target)
		if m.TmpfsSize > 0 {
			b.WriteString(" size " + bytesOf(m.TmpfsSize))
		}
	default:
		fmt.Fprintf(&b, "%s %s -> %s", m.Type, m.Source, m.Target)
	}
	if m.ReadOnly {
		b.WriteString(" (read-only)")
	}
	return b.String()
}
