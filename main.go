// Command rtcbill is the billing console of a real-time audio/video
// service. main.go only wires: the logger, then the command line to package
// cli, whose files hold one command each; an error is printed and exits 1.
package main

import (
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"os"

	"rtcbill/cli"
)

func main() {
	logger := slog.New(slog.NewTextHandler(os.Stderr, nil))
	slog.SetDefault(logger)
	if err := cli.Run(os.Args[1:], os.Stdout, os.Stderr, logger); err != nil {
		if !errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(os.Stderr, "rtcbill:", err)
			os.Exit(1)
		}
	}
}
