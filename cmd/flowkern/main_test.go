package main

import (
	"bytes"
	"strings"
	"testing"

	"github.com/flowkern/flowkern"
)

func TestUnknownCommandAndFlagsExit2(t *testing.T) {
	for _, args := range [][]string{{}, {"frobnicate"}, {"info", "-bogus"}, {"bench", "-time", "x"}, {"info", "extra"}, {"bench", "-time", "-1s"}} {
		var out, errOut bytes.Buffer
		if code := run(args, &out, &errOut); code != 2 {
			t.Errorf("run(%q) = %d, want 2", args, code)
		}
		if !strings.Contains(errOut.String(), "Usage") && !strings.Contains(errOut.String(), "flowkern") {
			t.Errorf("run(%q) printed no usage: %q", args, errOut.String())
		}
	}
}

func TestInfoNamesTheSelectedSet(t *testing.T) {
	var out, errOut bytes.Buffer
	if code := run([]string{"info"}, &out, &errOut); code != 0 {
		t.Fatalf("info exited %d: %s", code, errOut.String())
	}
	for _, want := range []string{"kernel set:  " + flowkern.Impl(), "generic", "build:"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("info output lacks %q:\n%s", want, out.String())
		}
	}
}

func TestBenchPrintsEveryRow(t *testing.T) {
	var out, errOut bytes.Buffer
	if code := run([]string{"bench", "-time", "5ms"}, &out, &errOut); code != 0 {
		t.Fatalf("bench exited %d: %s", code, errOut.String())
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	avail := 0
	for _, i := range flowkern.Diagnose().Sets {
		if i.Available {
			avail++
		}
	}
	if want := 1 + len(benchCases())*avail; len(lines) != want {
		t.Fatalf("bench printed %d lines, want %d:\n%s", len(lines), want, out.String())
	}
}
