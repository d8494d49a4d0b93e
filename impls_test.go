package flowkern_test

import (
	"os"
	"testing"

	"github.com/flowkern/flowkern"
)

// forEachImpl runs f as a subtest once for every kernel set available on
// this machine, with that set selected, and restores the selection after.
func forEachImpl(t *testing.T, f func(t *testing.T)) {
	t.Helper()
	before := flowkern.Impl()
	defer func() {
		if err := flowkern.Use(before); err != nil {
			t.Fatal(err)
		}
	}()
	ran := 0
	for _, info := range flowkern.Impls() {
		if !info.Available {
			continue
		}
		if err := flowkern.Use(info.Name); err != nil {
			t.Fatal(err)
		}
		t.Run(info.Name, f)
		ran++
	}
	if ran == 0 {
		t.Fatal("no kernel set is available, not even generic")
	}
}

func TestImplsIncludeGenericLast(t *testing.T) {
	impls := flowkern.Impls()
	last := impls[len(impls)-1]
	if last.Name != "generic" || !last.Available {
		t.Fatalf("last kernel set is %+v, want generic and available", last)
	}
	found := false
	for _, info := range impls {
		found = found || info.Name == flowkern.Impl()
	}
	if !found {
		t.Fatalf("Impl() = %q is not among Impls() = %+v", flowkern.Impl(), impls)
	}
	if flowkern.ImplReason() == "" {
		t.Fatal("ImplReason() is empty")
	}
}

func TestUseRejectsUnknownAndKeepsSelection(t *testing.T) {
	before := flowkern.Impl()
	for _, name := range []string{"", "sse9", "AVX2", "generic "} {
		if err := flowkern.Use(name); err == nil {
			t.Errorf("Use(%q) = nil, want an error", name)
		}
		if flowkern.Impl() != before {
			t.Fatalf("Use(%q) failed but changed the selection to %q", name, flowkern.Impl())
		}
	}
}

// TestDefaultIsBestAvailable checks that, without FLOWKERN_IMPL, the set in
// use at start is the best one available (the registry is complete before
// the selection runs).
func TestDefaultIsBestAvailable(t *testing.T) {
	if os.Getenv(flowkern.EnvImpl) != "" {
		t.Skip(flowkern.EnvImpl + " is set")
	}
	for _, info := range flowkern.Impls() {
		if info.Available {
			if got := flowkern.Impl(); got != info.Name {
				t.Fatalf("the set in use at start is %s, want %s, the best available", got, info.Name)
			}
			return
		}
	}
}
