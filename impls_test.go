package flowkern_test

import (
	"os"
	"strings"
	"testing"

	"github.com/flowkern/flowkern"
)

// envRequire names the environment variable that lists (comma-separated)
// the kernel sets a test run must exercise: with FLOWKERN_REQUIRE=avx512,
// every all-sets test fails if the avx512 set did not run in it, so that a
// CI machine that lost a CPU feature cannot pass by skipping quietly.
const envRequire = "FLOWKERN_REQUIRE"

// required returns the kernel sets FLOWKERN_REQUIRE names.
func required() []string {
	var names []string
	for _, n := range strings.Split(os.Getenv(envRequire), ",") {
		if n = strings.TrimSpace(n); n != "" {
			names = append(names, n)
		}
	}
	return names
}

// forEachImpl runs f as a subtest once for every kernel set built into this
// binary, with that set selected, and restores the selection after. A set
// the CPU lacks is a subtest that skips, saying which features it needs; a
// set FLOWKERN_REQUIRE names that did not run fails the test.
func forEachImpl(t *testing.T, f func(t *testing.T)) {
	t.Helper()
	before := flowkern.Impl()
	defer func() {
		if err := flowkern.Use(before); err != nil {
			t.Fatal(err)
		}
	}()
	ran := map[string]bool{}
	for _, info := range flowkern.Diagnose().Sets {
		if !info.Available {
			t.Run(info.Name, func(t *testing.T) {
				t.Skipf("kernel set %s needs %s, which this CPU or OS lacks", info.Name, info.Requires)
			})
			continue
		}
		if err := flowkern.Use(info.Name); err != nil {
			t.Fatal(err)
		}
		t.Run(info.Name, f)
		ran[info.Name] = true
	}
	if len(ran) == 0 {
		t.Fatal("no kernel set is available, not even generic")
	}
	for _, name := range required() {
		if !ran[name] {
			t.Errorf("%s=%s: kernel set %s did not run (built in and available: %v)", envRequire, os.Getenv(envRequire), name, ran)
		}
	}
}

// TestRequiredSetsAvailable fails at once, whatever tests -run selects,
// when a kernel set FLOWKERN_REQUIRE names is not built in or not
// available.
func TestRequiredSetsAvailable(t *testing.T) {
	names := required()
	if len(names) == 0 {
		t.Skip(envRequire + " is not set")
	}
	for _, name := range names {
		found := false
		for _, info := range flowkern.Diagnose().Sets {
			if info.Name == name {
				found = true
				if !info.Available {
					t.Errorf("%s names %s, which needs %s: this CPU or OS lacks it", envRequire, name, info.Requires)
				}
			}
		}
		if !found {
			t.Errorf("%s names %s, which is not built into this binary (built in: %v)", envRequire, name, flowkern.Diagnose().Sets)
		}
	}
}

func TestImplsIncludeGenericLast(t *testing.T) {
	impls := flowkern.Diagnose().Sets
	last := impls[len(impls)-1]
	if last.Name != "generic" || !last.Available {
		t.Fatalf("last kernel set is %+v, want generic and available", last)
	}
	found := false
	for _, info := range impls {
		found = found || info.Name == flowkern.Impl()
	}
	if !found {
		t.Fatalf("Impl() = %q is not among the sets built in, %+v", flowkern.Impl(), impls)
	}
	if flowkern.Diagnose().Reason == "" {
		t.Fatal("Diagnose().Reason is empty")
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
	for _, info := range flowkern.Diagnose().Sets {
		if info.Available {
			if got := flowkern.Impl(); got != info.Name {
				t.Fatalf("the set in use at start is %s, want %s, the best available", got, info.Name)
			}
			return
		}
	}
}
