package main

import (
	"fmt"
	"io"
	"runtime"
	"runtime/debug"

	"github.com/flowkern/flowkern"
)

// runVersion prints the module's version (and the commit it was built
// from, when the build recorded one), the Go version and the kernel set.
func runVersion(args []string, stdout, stderr io.Writer) error {
	fs := newFlags("version", stderr)
	if err := parse(fs, args); err != nil {
		return helpOK(err)
	}
	version, commit := "(unknown)", ""
	if bi, ok := debug.ReadBuildInfo(); ok {
		version = bi.Main.Version
		for _, s := range bi.Settings {
			switch s.Key {
			case "vcs.revision":
				commit = s.Value
			case "vcs.modified":
				if s.Value == "true" {
					commit += " (modified)"
				}
			}
		}
	}
	fmt.Fprintf(stdout, "flowkern %s\n", version)
	if commit != "" {
		fmt.Fprintf(stdout, "commit:      %s\n", commit)
	}
	fmt.Fprintf(stdout, "go:          %s %s/%s\n", runtime.Version(), runtime.GOOS, runtime.GOARCH)
	fmt.Fprintf(stdout, "kernel set:  %s\n", flowkern.Impl())
	return nil
}
