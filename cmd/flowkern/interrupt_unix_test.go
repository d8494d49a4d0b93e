//go:build unix

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
