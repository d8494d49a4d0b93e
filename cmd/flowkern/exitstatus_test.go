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

// failingWriter fails every write, as standard output on a full disk does.
type failingWriter struct{}

func (failingWriter) Write([]byte) (int, error) { return 0, errors.New("no space left on device") }

// TestStdoutWriteErrors checks that a command whose standard output cannot
// be written exits 1 and says so, whatever it wrote there.
func TestStdoutWriteErrors(t *testing.T) {
	dir := t.TempDir()
	model, _ := testModel[float64](t, dir)
	data := writeFile(t, dir, "x.csv", "1,2,3\n4,5,6\n")
	train := writeFile(t, dir, "train.csv", "1,2\n3,4\n5,7\n0,1\n2,2\n1,1\n3,3\n4,1\n0,0\n2,5\n")
	for _, args := range [][]string{
		{"info"},
		{"info", "-model", model},
		{"eval", "-model", model, "-data", data},
		{"encode", "-model", model, "-data", data},
		{"sample", "-model", model, "-n", "3"},
		{"data", "-set", "moons", "-n", "5"},
		{"train", "-data", train, "-epochs", "1", "-hidden", "4", "-layers", "2", "-o", dir + "/t.flow"},
	} {
		var stderr strings.Builder
		code := run(args, failingWriter{}, &stderr)
		if code != 1 || !strings.Contains(stderr.String(), "no space left on device") {
			t.Errorf("flowkern %s with standard output failing: exit %d, stderr %q", strings.Join(args, " "), code, stderr.String())
		}
	}
}
