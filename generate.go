package flowkern

// The assembly is generated (see gen/README.md); `go generate ./...` at the
// repository root rewrites it for both architectures from any host.

//go:generate go run -C gen ./amd64 -pkg flowkern -out ../kernels_amd64.s -stubs ../kernels_amd64_stubs.go
//go:generate go run -C gen ./arm64 -out ../kernels_arm64.s -stubs ../kernels_arm64_stubs.go
