package kerneltest

import (
	"fmt"
	"os"
	"unsafe"

	"golang.org/x/sys/unix"
)

// Fence is memory with an inaccessible (PROT_NONE) page on each side, so a
// kernel that reads or writes one element past either end of a slice
// placed against an edge faults instead of passing quietly (the technique
// of segmentio/asm's internal/buffer). Run the kernel under
// debug.SetPanicOnFault(true) to turn the fault into a panic the test can
// report.
type Fence struct {
	mem    []byte // the whole mapping, guard pages included
	lo, hi int    // the accessible bytes are mem[lo:hi]
}

// NewFence maps at least size accessible bytes between two guard pages.
func NewFence(size int) (*Fence, error) {
	page := os.Getpagesize()
	inner := (size + page - 1) / page * page
	if inner == 0 {
		inner = page
	}
	mem, err := unix.Mmap(-1, 0, inner+2*page, unix.PROT_NONE, unix.MAP_PRIVATE|unix.MAP_ANON)
	if err != nil {
		return nil, fmt.Errorf("kerneltest: mmap: %w", err)
	}
	if err := unix.Mprotect(mem[page:page+inner], unix.PROT_READ|unix.PROT_WRITE); err != nil {
		unix.Munmap(mem)
		return nil, fmt.Errorf("kerneltest: mprotect: %w", err)
	}
	return &Fence{mem: mem, lo: page, hi: page + inner}, nil
}

// Close unmaps the fence; slices taken from it must not be used after.
func (f *Fence) Close() error {
	return unix.Munmap(f.mem)
}

// AtEnd returns a slice of n elements whose last element ends where the
// guard page after it begins. Its capacity is its length.
func AtEnd[T Float](f *Fence, n int) []T {
	size := int(unsafe.Sizeof(T(0)))
	return fenced[T](f, f.hi-n*size, n)
}

// AtStart returns a slice of n elements that begins where the guard page
// before it ends. An empty slice from AtEnd or AtStart points at the edge
// itself, so even a kernel that reads its first element faults.
func AtStart[T Float](f *Fence, n int) []T {
	return fenced[T](f, f.lo, n)
}

func fenced[T Float](f *Fence, off, n int) []T {
	size := int(unsafe.Sizeof(T(0)))
	if n < 0 || off < f.lo || off+n*size > f.hi {
		panic(fmt.Sprintf("kerneltest: %d elements do not fit in a fence of %d bytes", n, f.hi-f.lo))
	}
	return unsafe.Slice((*T)(unsafe.Pointer(&f.mem[off])), n)
}
