// etcd for the proving ground's Kubernetes API servers. etcd's own main module uses
// replace directives, so it cannot be built with `go install`; this wrapper can.
package main

import (
	"os"

	"go.etcd.io/etcd/server/v3/etcdmain"
)

func main() { etcdmain.Main(os.Args) }
