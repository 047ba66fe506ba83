package bench

import (
	"os"
	"runtime"
	"strings"
)

// Machine describes the computer the benchmark ran on.
type Machine struct {
	CPUs int    `json:"cpus"`
	OS   string `json:"os"`
	Arch string `json:"arch"`
	// CPU is the processor model, when the system says.
	CPU string `json:"cpu,omitempty"`
	Go  string `json:"go"`
}

func currentMachine() Machine {
	return Machine{
		CPUs: runtime.NumCPU(),
		OS:   runtime.GOOS,
		Arch: runtime.GOARCH,
		CPU:  cpuModel(),
		Go:   runtime.Version(),
	}
}

// cpuModel returns the processor model Linux reports, or "".
func cpuModel() string {
	data, err := os.ReadFile("/proc/cpuinfo")
	if err != nil {
		return ""
	}
	for line := range strings.Lines(string(data)) {
		key, value, ok := strings.Cut(line, ":")
		if ok && strings.TrimSpace(key) == "model name" {
			return strings.TrimSpace(value)
		}
	}
	return ""
}
