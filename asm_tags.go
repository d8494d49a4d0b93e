//go:build !purego && !noasm

package flowkern

const assemblyBuilt = true
