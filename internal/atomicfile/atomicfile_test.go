//go:build unix

package atomicfile

import (
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

func text(s string) func(io.Writer) error {
	return func(w io.Writer) error {
		_, err := io.WriteString(w, s)
		return err
	}
}

func read(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// leftovers lists dir's temporary files.
func leftovers(t *testing.T, dir string) []string {
	m, err := filepath.Glob(filepath.Join(dir, ".*.tmp"))
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func TestRegularFileReplaced(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "out.csv")
	for _, s := range []string{"first\n", "second\n"} {
		if err := Write(p, true, text(s)); err != nil {
			t.Fatal(err)
		}
		if got := read(t, p); got != s {
			t.Errorf("%q, want %q", got, s)
		}
	}
	if err := Write(p, false, func(io.Writer) error { return errors.New("disk full") }); err == nil {
		t.Error("a failing write: no error")
	}
	if got := read(t, p); got != "second\n" {
		t.Errorf("after a failing write: %q, want the old content", got)
	}
	if l := leftovers(t, dir); len(l) > 0 {
		t.Errorf("temporary files left: %v", l)
	}
}

// TestSymlinkTargetReplaced: a link (relative, through a second link) is
// followed; the links stay links and the target gets the new content.
// Replacing the link itself was the bug.
func TestSymlinkTargetReplaced(t *testing.T) {
	dir := t.TempDir()
	sub := filepath.Join(dir, "sub")
	if err := os.Mkdir(sub, 0o755); err != nil {
		t.Fatal(err)
	}
	target := filepath.Join(sub, "real.csv")
	if err := os.WriteFile(target, []byte("old"), 0o644); err != nil {
		t.Fatal(err)
	}
	mid, link := filepath.Join(dir, "mid"), filepath.Join(dir, "link")
	if err := os.Symlink("sub/real.csv", mid); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("mid", link); err != nil {
		t.Fatal(err)
	}
	if err := Write(link, false, text("new")); err != nil {
		t.Fatal(err)
	}
	for _, l := range []string{mid, link} {
		if info, err := os.Lstat(l); err != nil || info.Mode()&fs.ModeSymlink == 0 {
			t.Errorf("%s is no longer a symbolic link: %v %v", l, info, err)
		}
	}
	if got := read(t, target); got != "new" {
		t.Errorf("target holds %q", got)
	}
	dangling := filepath.Join(dir, "dangling")
	if err := os.Symlink("sub/made.csv", dangling); err != nil {
		t.Fatal(err)
	}
	if err := Write(dangling, false, text("made")); err != nil {
		t.Fatal(err)
	}
	if got := read(t, filepath.Join(sub, "made.csv")); got != "made" {
		t.Errorf("a dangling link's target holds %q", got)
	}
	loop := filepath.Join(dir, "loop")
	if err := os.Symlink("loop", loop); err != nil {
		t.Fatal(err)
	}
	if err := Write(loop, false, text("x")); err == nil || !strings.Contains(err.Error(), "symbolic links") {
		t.Errorf("a link to itself: %v", err)
	}
}

// TestSpecialFilesWrittenInPlace: a FIFO and a device (/dev/null, through
// a link, so that a failure could not replace the real node) stay what
// they are and receive the data.
func TestSpecialFilesWrittenInPlace(t *testing.T) {
	dir := t.TempDir()
	if err := Write(dir, false, text("x")); err == nil || !strings.Contains(err.Error(), "directory") {
		t.Errorf("writing a directory: %v", err)
	}
	fifo := filepath.Join(dir, "fifo")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Skipf("mkfifo: %v", err)
	}
	got := make(chan string, 1)
	go func() {
		f, err := os.Open(fifo)
		if err != nil {
			got <- err.Error()
			return
		}
		b, _ := io.ReadAll(f)
		f.Close()
		got <- string(b)
	}()
	if err := Write(fifo, false, text("through the pipe")); err != nil {
		t.Fatal(err)
	}
	select {
	case s := <-got:
		if s != "through the pipe" {
			t.Errorf("the FIFO's reader got %q", s)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the FIFO's reader got nothing")
	}
	if info, err := os.Lstat(fifo); err != nil || info.Mode()&fs.ModeNamedPipe == 0 {
		t.Errorf("the FIFO was replaced: %v %v", info, err)
	}
	if info, err := os.Stat("/dev/null"); err != nil || info.Mode()&fs.ModeCharDevice == 0 {
		t.Skipf("/dev/null is not a character device on this machine (%v, %v)", info, err)
	}
	null := filepath.Join(dir, "null")
	if err := os.Symlink("/dev/null", null); err != nil {
		t.Fatal(err)
	}
	if err := Write(null, true, text("discarded")); err != nil {
		t.Fatal(err)
	}
	if info, err := os.Lstat(null); err != nil || info.Mode()&fs.ModeSymlink == 0 {
		t.Errorf("the link to /dev/null was replaced: %v %v", info, err)
	}
	if info, err := os.Stat("/dev/null"); err != nil || info.Mode()&fs.ModeDevice == 0 {
		t.Errorf("/dev/null is no longer a device: %v %v", info, err)
	}
}

// TestStaleTemporariesRemoved: a temporary file a killed write left more
// than staleAfter ago goes at the next write to the same path; a recent
// one (perhaps another write under way) and other files stay.
func TestStaleTemporariesRemoved(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "m.flow")
	old, fresh, other := filepath.Join(dir, ".m.flow.123.tmp"), filepath.Join(dir, ".m.flow.456.tmp"), filepath.Join(dir, ".n.flow.789.tmp")
	for _, f := range []string{old, fresh, other} {
		if err := os.WriteFile(f, []byte("partial"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	long := time.Now().Add(-2 * staleAfter)
	for _, f := range []string{old, other} {
		if err := os.Chtimes(f, long, long); err != nil {
			t.Fatal(err)
		}
	}
	if err := Write(p, false, text("model")); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(old); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("the stale temporary file is still there: %v", err)
	}
	for _, f := range []string{fresh, other} {
		if _, err := os.Stat(f); err != nil {
			t.Errorf("%s was removed: %v", f, err)
		}
	}
}
