package main

import (
	"bytes"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// TestExitCodes holds every command to one convention: 0 success, 1 an
// error at run time, 2 a usage error with the usage printed. (train
// without -data exited 2 with the usage, eval without -data 1 without it.)
func TestExitCodes(t *testing.T) {
	dir := t.TempDir()
	model, _ := testModel[float64](t, dir)
	data := writeFile(t, dir, "x.csv", "a,b,c\n1,2,3\n4,5,6\n")
	missing := filepath.Join(dir, "none.flow")
	for _, c := range []struct {
		args  []string
		code  int
		usage bool // the usage is printed
	}{
		{nil, 2, true},
		{[]string{"frobnicate"}, 2, true},
		{[]string{"-h"}, 0, true},
		{[]string{"eval", "-h"}, 0, true},
		{[]string{"eval", "-bogus"}, 2, true},
		{[]string{"eval", "-model", model}, 2, true},
		{[]string{"eval", "-data", data}, 2, true},
		{[]string{"encode", "-model", model}, 2, true},
		{[]string{"sample"}, 2, true},
		{[]string{"sample", "-model", model, "-n", "0"}, 2, false},
		{[]string{"plot", "-model", model, "-data", data}, 2, true},
		{[]string{"train", "-data", data}, 2, true},
		{[]string{"train", "-o", filepath.Join(dir, "t.flow")}, 2, true},
		{[]string{"train", "-data", data, "-o", "-"}, 2, false},
		{[]string{"info", "extra"}, 2, true},
		{[]string{"eval", "-model", missing, "-data", data}, 1, false},
		{[]string{"eval", "-model", model, "-data", filepath.Join(dir, "none.csv")}, 1, false},
		{[]string{"eval", "-model", model, "-data", data}, 0, false},
		{[]string{"version"}, 0, false},
	} {
		var out, errOut bytes.Buffer
		code := run(c.args, &out, &errOut)
		printed := strings.Contains(errOut.String(), "Usage") || strings.Contains(out.String(), "Usage")
		if code != c.code || printed != c.usage {
			t.Errorf("flowkern %s: exit %d (usage printed: %v), want %d (%v); stderr %q", strings.Join(c.args, " "), code, printed, c.code, c.usage, errOut.String())
		}
	}
}

// TestInterruptExits130 interrupts a training run after its first epoch:
// exit status 130, the best model so far written and loadable. (An
// interrupted run exited 0.)
func TestInterruptExits130(t *testing.T) {
	// The test's own handler: a SIGINT never reaches the default action
	// (the end of the test binary), whenever it comes.
	guard := make(chan os.Signal, 1)
	signal.Notify(guard, os.Interrupt)
	defer signal.Stop(guard)
	dir := t.TempDir()
	var b strings.Builder
	b.WriteString("x,y\n")
	for i := range 4000 {
		f := float64(i%97) / 97
		b.WriteString(ftoa(f) + "," + ftoa(f*f-0.3) + "\n")
	}
	data := writeFile(t, dir, "d.csv", b.String())
	model := filepath.Join(dir, "m.flow")
	out := &watchWriter{want: "epoch 1/", seen: make(chan struct{})}
	var errOut bytes.Buffer
	done := make(chan int)
	go func() {
		done <- run([]string{"train", "-data", data, "-epochs", "100000", "-layers", "2", "-hidden", "8", "-batch", "64", "-o", model}, out, &errOut)
	}()
	select {
	case <-out.seen:
	case <-time.After(60 * time.Second):
		t.Fatal("no epoch finished in 60 s")
	}
	if err := syscall.Kill(os.Getpid(), syscall.SIGINT); err != nil {
		t.Skipf("cannot signal this process: %v", err)
	}
	select {
	case code := <-done:
		if code != 130 || !strings.Contains(errOut.String(), "interrupted: the best model so far (epoch") {
			t.Errorf("exit %d, stderr %q", code, errOut.String())
		}
	case <-time.After(60 * time.Second):
		t.Fatal("training went on after the interrupt")
	}
	if _, err := os.Stat(model); err != nil {
		t.Errorf("no model kept: %v", err)
	}
	runOK(t, "info", "-model", model)
}

// watchWriter closes seen once want has been written to it.
type watchWriter struct {
	mu   sync.Mutex
	buf  bytes.Buffer
	want string
	seen chan struct{}
	once sync.Once
}

func (w *watchWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.buf.Write(p)
	if strings.Contains(w.buf.String(), w.want) {
		w.once.Do(func() { close(w.seen) })
	}
	return len(p), nil
}

func ftoa(f float64) string { return strconv.FormatFloat(f, 'g', -1, 64) }
