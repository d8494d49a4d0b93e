package main

import (
	"errors"
	"os"
	"os/exec"
	"strings"
	"testing"
)

// TestBadImplIsOneLine runs this test binary again as the command with
// FLOWKERN_IMPL naming no kernel set: it must stop with that one line and
// exit status 2, not a panic.
func TestBadImplIsOneLine(t *testing.T) {
	if os.Getenv("FLOWKERN_TEST_CLI_CHILD") == "1" {
		os.Exit(run([]string{"info"}, os.Stdout, os.Stderr))
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestBadImplIsOneLine$")
	cmd.Env = append(os.Environ(), "FLOWKERN_IMPL=bogus", "FLOWKERN_TEST_CLI_CHILD=1")
	var stdout, stderr strings.Builder
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	var ee *exec.Error
	if errors.As(err, &ee) || err != nil && strings.Contains(err.Error(), "exec format error") {
		t.Skipf("cannot run this test binary again here: %v", err)
	}
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.ExitCode() != 2 {
		t.Fatalf("exit %v, want status 2; stderr:\n%s", err, stderr.String())
	}
	want := "flowkern: FLOWKERN_IMPL=\"bogus\": unknown kernel set (known: "
	if lines := strings.Split(strings.TrimSpace(stderr.String()), "\n"); len(lines) != 1 || !strings.HasPrefix(lines[0], want) || stdout.Len() > 0 {
		t.Errorf("stderr %q, stdout %q: want one line starting %q", stderr.String(), stdout.String(), want)
	}
}
