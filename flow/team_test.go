package flow

import (
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// TestTeamBarrier runs teams of 1 to 5 workers (more than this machine's
// cores: the barrier must yield) through 200 phases, some workers late
// by a random pause, and checks at every barrier that no worker left it
// before every worker reached it.
func TestTeamBarrier(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(2))
	const phases = 200
	for size := 1; size <= 5; size++ {
		var arrived [phases]atomic.Int32
		var bad atomic.Int32
		runTeam(size, func(w int, tm *team) {
			if tm.size != size {
				bad.Add(1)
			}
			for p := range phases {
				if (p*7+w*3)%11 == 0 {
					time.Sleep(time.Duration((p+w)%5) * 10 * time.Microsecond)
				}
				arrived[p].Add(1)
				tm.wait()
				if int(arrived[p].Load()) != size {
					bad.Add(1)
				}
			}
		})
		if bad.Load() != 0 {
			t.Fatalf("team of %d: %d workers left a barrier early", size, bad.Load())
		}
		for p := range phases {
			if int(arrived[p].Load()) != size {
				t.Fatalf("team of %d, phase %d: %d arrivals", size, p, arrived[p].Load())
			}
		}
	}
}

// TestOwnerAndShare: shares cover the items once, in order, and owner
// gives each worker a contiguous, nearly equal range of the flat vector.
func TestOwnerAndShare(t *testing.T) {
	for size := 1; size <= 5; size++ {
		for n := 0; n <= 40; n++ {
			next := 0
			for w := range size {
				lo, hi := share(w, size, n)
				if lo != next || hi < lo {
					t.Fatalf("share(%d, %d, %d) = %d, %d after %d", w, size, n, lo, hi, next)
				}
				next = hi
			}
			if next != n {
				t.Fatalf("shares of %d among %d end at %d", n, size, next)
			}
		}
		const total = 1000
		counts := make([]int, size)
		last := 0
		for mid := range total {
			o := owner(mid, total, size)
			if o < last || o >= size {
				t.Fatalf("owner(%d, %d, %d) = %d after %d", mid, total, size, o, last)
			}
			last = o
			counts[o]++
		}
		for w, c := range counts {
			if c < total/size-1 || c > total/size+1 {
				t.Fatalf("team of %d: worker %d owns %d of %d", size, w, c, total)
			}
		}
	}
	if owner(5, 0, 3) != 0 {
		t.Fatal("owner of an empty vector")
	}
}

// TestTeamPanicLeavesNoWorker makes worker 0 panic while the others work
// or wait at a barrier: runTeam panics with the value, and only after
// every other worker has left.
func TestTeamPanicLeavesNoWorker(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(2))
	for size := 2; size <= 4; size++ {
		var left atomic.Int32
		got := func() (r any) {
			defer func() { r = recover() }()
			runTeam(size, func(w int, tm *team) {
				if w == 0 {
					time.Sleep(2 * time.Millisecond) // the others reach the barrier first
					panic("boom")
				}
				defer left.Add(1)
				tm.wait()
				t.Errorf("worker %d passed a barrier worker 0 never reached", w)
			})
			return nil
		}()
		if got != "boom" {
			t.Fatalf("team of %d: recovered %v, want boom", size, got)
		}
		if n := left.Load(); int(n) != size-1 {
			t.Fatalf("team of %d: %d of %d workers had left when runTeam panicked", size, n, size-1)
		}
	}
}

// idleCount is how many helpers linger.
func idleCount() int {
	idleHelpers.Lock()
	defer idleHelpers.Unlock()
	return len(idleHelpers.list)
}

// waitFor polls cond for up to ten seconds (emulators are slow).
func waitFor(cond func() bool) bool {
	for end := time.Now().Add(10 * time.Second); time.Now().Before(end); time.Sleep(50 * time.Microsecond) {
		if cond() {
			return true
		}
	}
	return cond()
}

// lingerLonger sets helperLinger to d until the test ends, once no helper
// of an earlier test lives, so that what the test looks at does not depend
// on how fast the machine (or emulator) runs it.
func lingerLonger(t *testing.T, d time.Duration) {
	t.Helper()
	if !waitFor(func() bool { return idleCount() == 0 }) {
		t.Fatal("helpers of earlier tests still linger after ten seconds")
	}
	saved := helperLinger
	helperLinger = d
	t.Cleanup(func() {
		if !waitFor(func() bool { return idleCount() == 0 }) {
			t.Fatal("helpers still linger ten seconds after the test")
		}
		helperLinger = saved
	})
}

// TestHelpersLingerThenEnd: a team's helper lingers once its work is
// done, the next team takes it instead of starting a goroutine, and a
// helper no team wants ends by itself.
func TestHelpersLingerThenEnd(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(2))
	lingerLonger(t, 100*time.Millisecond)
	base := runtime.NumGoroutine()
	runTeam(2, func(int, *team) {})
	if n := idleCount(); n != 1 { // it lists itself before it counts its job done
		t.Fatalf("%d helpers linger after a team of 2, want 1", n)
	}
	for range 100 { // back to back: each team takes the helper the last one left
		var ran atomic.Int32
		runTeam(2, func(int, *team) { ran.Add(1) })
		if ran.Load() != 2 {
			t.Fatalf("%d workers ran, want 2", ran.Load())
		}
		if n := runtime.NumGoroutine(); n > base+1 {
			t.Fatalf("%d goroutines after back-to-back teams, want at most %d", n, base+1)
		}
	}
	if !waitFor(func() bool { return idleCount() == 0 && runtime.NumGoroutine() <= base }) {
		t.Fatalf("%d helpers linger, %d goroutines (%d before) ten seconds after the last team", idleCount(), runtime.NumGoroutine(), base)
	}
}

// TestHelpersHiredAsTheyLeave starts teams of up to 4 about helperLinger
// apart, so that some are hired just as they give up waiting: every
// worker of every team must run once.
func TestHelpersHiredAsTheyLeave(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(2))
	for i := range 300 {
		size := 2 + i%3
		var ran [4]atomic.Int32
		runTeam(size, func(w int, tm *team) {
			ran[w].Add(1)
			tm.wait()
		})
		for w := range size {
			if ran[w].Load() != 1 {
				t.Fatalf("team %d of %d: worker %d ran %d times", i, size, w, ran[w].Load())
			}
		}
		pause := helperLinger - 20*time.Microsecond + time.Duration(i%9)*5*time.Microsecond
		for start := time.Now(); time.Since(start) < pause; {
		}
	}
}

// TestHelpersAfterABurst: after many teams at once, no more helpers
// linger than GOMAXPROCS, and all end.
func TestHelpersAfterABurst(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(2))
	if !waitFor(func() bool { return idleCount() == 0 }) {
		t.Fatal("helpers of earlier tests still linger after ten seconds")
	}
	base := runtime.NumGoroutine()
	var wg sync.WaitGroup
	for range 16 {
		wg.Go(func() {
			runTeam(4, func(w int, tm *team) {
				tm.wait()
				time.Sleep(time.Millisecond)
			})
		})
	}
	wg.Wait()
	most := 0 // the last team's three helpers list themselves within microseconds
	for start := time.Now(); time.Since(start) < helperLinger/2; {
		most = max(most, idleCount())
	}
	if most > 2 {
		t.Fatalf("%d helpers lingered after a burst, want at most GOMAXPROCS = 2", most)
	}
	if !waitFor(func() bool { return idleCount() == 0 && runtime.NumGoroutine() <= base }) {
		t.Fatalf("%d helpers linger, %d goroutines (%d before) ten seconds after the burst", idleCount(), runtime.NumGoroutine(), base)
	}
}

// TestTeamWaitsForASlowHelper: runTeam returns only once every worker
// has, also when one finishes long after the spinning gives way to
// parking.
func TestTeamWaitsForASlowHelper(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(2))
	for _, pause := range []time.Duration{0, helperLinger / 2, 2 * helperLinger, 5 * time.Millisecond} {
		var finished atomic.Int32
		runTeam(3, func(w int, tm *team) {
			tm.wait()
			if w == 2 {
				time.Sleep(pause)
			}
			finished.Add(1)
		})
		if n := finished.Load(); n != 3 {
			t.Fatalf("pause %v: runTeam returned with %d of 3 workers finished", pause, n)
		}
	}
}
