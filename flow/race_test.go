//go:build race

package flow

// raceEnabled: the race detector makes sync.Pool drop items on purpose.
const raceEnabled = true
