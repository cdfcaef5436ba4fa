// Command kubectl: the stock kubectl command tree built from its Go modules, for
// machines without a kubectl binary. scripts/install-test-clients.sh builds it into a
// cache directory outside the source tree; the fake apiserver suites then drive it.
package main

import (
	"os"

	"k8s.io/component-base/cli"
	"k8s.io/kubectl/pkg/cmd"
	"k8s.io/kubectl/pkg/cmd/util"
)

func main() {
	command := cmd.NewDefaultKubectlCommand()
	if err := cli.RunNoErrOutput(command); err != nil {
		util.CheckErr(err)
		os.Exit(1)
	}
}
