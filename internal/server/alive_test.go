package server

import (
	"os"
	"os/exec"
	"runtime"
	"testing"
)

func TestAliveTellsRunningFromExitedProcesses(t *testing.T) {
	if !Alive(os.Getpid()) {
		t.Fatal("this process is not alive")
	}
	cmd := exec.Command("sleep", "60")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	pid := cmd.Process.Pid
	if !Alive(pid) {
		t.Fatal("a running child is not alive")
	}
	if err := cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	// Killed and not reaped yet: a zombie, which is not alive.
	for i := 0; Alive(pid); i++ {
		if i > 1000 {
			t.Fatal("a killed child is still alive")
		}
		runtime.Gosched()
	}
	_ = cmd.Wait()
	if Alive(pid) {
		t.Fatal("a reaped child is alive")
	}
}
