//go:build purego || noasm

package flowkern

const assemblyBuilt = false
