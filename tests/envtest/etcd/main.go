// Command etcd is upstream etcd 3.5 (go.etcd.io/etcd/server/v3/etcdmain), built from its
// Go module because no prebuilt release can be downloaded here. Same flags as upstream.
package main

import (
	"os"

	"go.etcd.io/etcd/server/v3/etcdmain"
)

func main() {
	etcdmain.Main(os.Args)
}
