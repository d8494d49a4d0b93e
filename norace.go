//go:build !race && (amd64 || arm64) && gc && !purego && !noasm

package flowkern

// raceRead and raceWrite are no-ops without the race detector.
func raceRead[T float32 | float64](s []T) {}

func raceWrite[T float32 | float64](s []T) {}
