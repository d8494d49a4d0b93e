// Package atomicfile writes output files so that a reader never sees a
// half-written one: a regular file (or one that does not exist yet) is
// written to a temporary file beside it and renamed over it; a symbolic
// link is followed, and its target replaced the same way; a FIFO, device
// or socket is written in place, as the user who named it expects.
package atomicfile

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// maxLinks bounds the symbolic links followed, as the kernel's ELOOP does.
const maxLinks = 40

// staleAfter is the age from which a temporary file of an earlier write
// that did not finish (a killed process) is removed by the next write to
// the same path: no write takes this long.
const staleAfter = time.Hour

// Write writes path through write (see the package documentation). With
// sync, a replaced file's data reach the disk before the rename.
func Write(path string, sync bool, write func(io.Writer) error) (err error) {
	target, special, err := classify(path)
	if err != nil {
		return err
	}
	if special {
		return writeInPlace(target, write)
	}
	dir, base := filepath.Split(target)
	if dir == "" {
		dir = "."
	}
	removeStale(dir, base)
	f, err := os.CreateTemp(dir, tempPattern(base))
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(f.Name())
		}
	}()
	if err = write(f); err != nil {
		return err
	}
	if err = f.Chmod(0o644); err != nil {
		return err
	}
	if sync {
		if err = f.Sync(); err != nil {
			return err
		}
	}
	if err = f.Close(); err != nil {
		return err
	}
	return os.Rename(f.Name(), target)
}

// Check reports early whether Write could write path: for a regular file
// (or none yet), that a temporary file can be created beside it; a
// directory is an error; FIFOs and devices are not checked (opening a FIFO
// would wait for a reader).
func Check(path string) error {
	target, special, err := classify(path)
	if err != nil || special {
		return err
	}
	dir := filepath.Dir(target)
	f, err := os.CreateTemp(dir, tempPattern(filepath.Base(target)))
	if err != nil {
		return err
	}
	f.Close()
	return os.Remove(f.Name())
}

// classify resolves path's symbolic links to the file Write writes and
// reports whether it is special (a FIFO, device or socket, written in
// place); a directory is an error.
func classify(path string) (target string, special bool, err error) {
	target, info, err := resolve(path)
	switch {
	case err != nil:
		return "", false, err
	case info == nil:
		return target, false, nil
	case info.IsDir():
		return "", false, fmt.Errorf("%s is a directory", path)
	}
	return target, !info.Mode().IsRegular(), nil
}

// resolve follows symbolic links from path to the file they name and
// returns it with its information (nil if it does not exist).
func resolve(path string) (string, fs.FileInfo, error) {
	for range maxLinks {
		info, err := os.Lstat(path)
		if errors.Is(err, fs.ErrNotExist) {
			return path, nil, nil
		}
		if err != nil {
			return "", nil, err
		}
		if info.Mode()&fs.ModeSymlink == 0 {
			return path, info, nil
		}
		link, err := os.Readlink(path)
		if err != nil {
			return "", nil, err
		}
		if !filepath.IsAbs(link) {
			link = filepath.Join(filepath.Dir(path), link)
		}
		path = link
	}
	return "", nil, fmt.Errorf("%s: more than %d symbolic links", path, maxLinks)
}

// writeInPlace writes a FIFO, device or socket as it is.
func writeInPlace(path string, write func(io.Writer) error) error {
	f, err := os.OpenFile(path, os.O_WRONLY, 0)
	if err != nil {
		return err
	}
	if err := write(f); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// tempPattern is the name of base's temporary files, for os.CreateTemp:
// hidden, and saying what they are.
func tempPattern(base string) string { return "." + base + ".*.tmp" }

// removeStale removes base's temporary files in dir older than
// staleAfter, left by writes that were killed.
func removeStale(dir, base string) {
	matches, err := filepath.Glob(filepath.Join(dir, tempPattern(escapeGlob(base))))
	if err != nil {
		return
	}
	for _, m := range matches {
		if info, err := os.Lstat(m); err == nil && info.Mode().IsRegular() && time.Since(info.ModTime()) > staleAfter {
			os.Remove(m)
		}
	}
}

// escapeGlob quotes filepath.Match's special characters in s.
func escapeGlob(s string) string {
	r := strings.NewReplacer(`\`, `\\`, `*`, `\*`, `?`, `\?`, `[`, `\[`)
	return r.Replace(s)
}
