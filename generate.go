package flowkern

// The assembly is generated (see gen/README.md): for each kernel gen/table
// lists, `go generate ./...` at the repository root writes, for both
// architectures from any host, the assembly (kernels_<arch>.s), its Go
// declarations (kernels_<arch>_stubs.go) and the registration file that
// names each kernel set's kernels (kernels_<arch>_register.go).

//go:generate go run -C gen ./amd64 -pkg flowkern -out ../kernels_amd64.s -decls ../kernels_amd64_stubs.go -register ../kernels_amd64_register.go
//go:generate go run -C gen ./arm64 -out ../kernels_arm64.s -decls ../kernels_arm64_stubs.go -register ../kernels_arm64_register.go
