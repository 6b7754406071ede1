// Package static holds the console's CSS, scripts and images, embedded in
// the binary. vendor/ holds third-party files copied from npm as they are
// (see vendor/README.md).
package static

import "embed"

// FS is served under /static/.
//
//go:embed *.css *.js vendor
var FS embed.FS
