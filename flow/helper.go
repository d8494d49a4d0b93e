package flow

import (
	"runtime"
	"slices"
	"sync"
	"sync/atomic"
	"time"
)

// A helper is a goroutine that runs one worker of a team, then lingers
// for helperLinger, spinning, in case another team wants it. Training runs
// a team every step, one right after the other; a new goroutine would start
// on a parked thread, which takes tens of microseconds to wake (about 5%
// of a step of the M2 workload on two cores), while a lingering helper
// starts within a fraction of a microsecond. A helper no team wants ends
// by itself: there is nothing to close.
type helper struct {
	next  atomic.Pointer[teamJob] // handed over by hire
	start func()                  // run, bound once: go h.start() allocates nothing
}

// spareHelpers keeps the helpers whose goroutines ended, for hire to
// start again.
var spareHelpers freeList[helper]

// teamJob is worker w of team t, which runs do.
type teamJob struct {
	do func(w int, t *team)
	w  int
	t  *team
}

// helperLinger is how long a helper waits for another team before it ends,
// and how long a team's caller spins for its helpers before it parks. It
// is a variable only so that the tests can lengthen it: under an emulator
// 50 µs pass before a test can look. Set it only while no helper lives.
var helperLinger = 50 * time.Microsecond

// idleHelpers are the lingering helpers, the latest last.
var idleHelpers struct {
	sync.Mutex
	list []*helper
}

// hire runs j on a lingering helper, or on a new goroutine if none
// lingers. j stays where it is (in its team) until the helper is done.
func hire(j *teamJob) {
	idleHelpers.Lock()
	if n := len(idleHelpers.list); n > 0 {
		h := idleHelpers.list[n-1]
		idleHelpers.list = idleHelpers.list[:n-1]
		idleHelpers.Unlock()
		h.next.Store(j)
		return
	}
	idleHelpers.Unlock()
	h, fresh := spareHelpers.get()
	if fresh {
		h.start = h.run
	}
	h.next.Store(j)
	go h.start()
}

// run does the job hire handed over, and more until none comes within
// helperLinger of the last; then h is spare.
func (h *helper) run() {
	for j := h.next.Swap(nil); j != nil && h.work(j); j = h.await() {
	}
	spareHelpers.put(h)
}

// work does j, then lists h as idle unless GOMAXPROCS helpers already
// linger, and reports whether it did: before it counts j as done, so that
// a team started as soon as this one returns finds h. A worker that leaves
// a broken team (runtime.Goexit, which ends the helper) is counted too.
func (h *helper) work(j *teamJob) (idle bool) {
	t := j.t
	defer t.left.Add(1) // last: once every helper is counted, the team may be reused
	defer t.done.Done()
	j.do(j.w, t)
	idleHelpers.Lock()
	defer idleHelpers.Unlock()
	if len(idleHelpers.list) >= runtime.GOMAXPROCS(0) {
		return false // after a burst of concurrent teams, the others end at once
	}
	idleHelpers.list = append(idleHelpers.list, h)
	return true
}

// await returns the job hire hands the idle h, or nil once h has waited
// helperLinger without one and taken itself off the list.
func (h *helper) await() *teamJob {
	deadline := time.Now().Add(helperLinger)
	for i := 1; ; i++ {
		if j := h.next.Swap(nil); j != nil {
			return j
		}
		if i%barrierSpins != 0 {
			continue
		}
		runtime.Gosched() // let other goroutines have this thread
		if time.Now().Before(deadline) {
			continue
		}
		idleHelpers.Lock()
		k := slices.Index(idleHelpers.list, h)
		if k >= 0 {
			idleHelpers.list = slices.Delete(idleHelpers.list, k, k+1)
		}
		idleHelpers.Unlock()
		if k >= 0 {
			return nil
		}
		for { // hired as the time ran out: the job is on its way
			if j := h.next.Swap(nil); j != nil {
				return j
			}
			runtime.Gosched()
		}
	}
}
