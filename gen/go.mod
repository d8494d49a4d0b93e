module github.com/flowkern/flowkern/gen

go 1.26
