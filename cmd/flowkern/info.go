package main

import (
	"errors"
	"fmt"
	"io"
	"runtime"
	"strings"

	"github.com/flowkern/flowkern"
)

func runInfo(args []string, stdout, stderr io.Writer) error {
	fs := newFlags("info", stderr)
	model := fs.String("model", "", "describe this model file instead of the CPU")
	if err := parse(fs, args); err != nil {
		if errors.Is(err, errHelp) {
			return nil
		}
		return err
	}
	if *model != "" {
		return describeModel(*model, stdout)
	}
	d := flowkern.Diagnose()
	brand := d.CPU
	if brand == "" {
		brand = "(not reported)"
	}
	fmt.Fprintf(stdout, "cpu:         %s (%s, %d logical CPUs)\n", brand, d.Arch, runtime.NumCPU())
	fmt.Fprintf(stdout, "features:    %s\n", orNone(strings.Join(d.Features, " ")))
	fmt.Fprintf(stdout, "kernel set:  %s (%s)\n", d.Impl, d.Reason)
	fmt.Fprintln(stdout, "built in:")
	for _, info := range d.Sets {
		state := "available"
		if !info.Available {
			state = "not available on this CPU"
		}
		fmt.Fprintf(stdout, "  %-8s needs %s: %s\n", info.Name, info.Requires, state)
	}
	asm := "assembly allowed (no purego or noasm tag)"
	if !d.Assembly {
		asm = "purego/noasm: portable Go only"
	}
	fmt.Fprintf(stdout, "build:       %s, %s, %s/%s\n", runtime.Version(), asm, runtime.GOOS, runtime.GOARCH)
	fmt.Fprintf(stdout, "override:    %s=<%s>\n", flowkern.EnvImpl, "generic|avx2|avx512|neon")
	return nil
}

func orNone(s string) string {
	if s == "" {
		return "(none that flowkern uses)"
	}
	return s
}
