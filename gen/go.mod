module github.com/flowkern/flowkern/gen

go 1.26.0

require (
	github.com/mmcloughlin/avo v0.6.0
	golang.org/x/arch v0.33.0
)

require (
	golang.org/x/mod v0.42.0 // indirect
	golang.org/x/sync v0.24.0 // indirect
	golang.org/x/tools v0.52.0 // indirect
)

// The generators read the algorithms' constants from the library itself
// (internal/algo), so generated code cannot drift from the reference.
require github.com/flowkern/flowkern v0.0.0

replace github.com/flowkern/flowkern => ../
