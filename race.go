//go:build race && (amd64 || arm64) && gc && !purego && !noasm

package flowkern

import (
	"runtime"
	"unsafe"
)

// raceRead and raceWrite tell the race detector which memory an assembly
// kernel reads and writes; it cannot see inside assembly.
func raceRead[T float32 | float64](s []T) {
	if len(s) > 0 {
		runtime.RaceReadRange(unsafe.Pointer(unsafe.SliceData(s)), len(s)*int(unsafe.Sizeof(s[0])))
	}
}

func raceWrite[T float32 | float64](s []T) {
	if len(s) > 0 {
		runtime.RaceWriteRange(unsafe.Pointer(unsafe.SliceData(s)), len(s)*int(unsafe.Sizeof(s[0])))
	}
}
