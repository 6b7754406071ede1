package cli

import (
	"flag"
	"fmt"
	"os"
	"time"

	"rtcbill/webhooks"
)

// webhookOptions are serve's settings of the webhooks: the hosts they may
// reach over plain http and at any address (RTCBILL_WEBHOOK_ALLOW_HOSTS,
// comma-separated host:port as written in URLs; an environment variable
// only, since it opens the console's own network) and --webhook-retry-base
// (env RTCBILL_WEBHOOK_RETRY_BASE): a failed delivery is retried base ×
// 2^(attempt−1) later, give or take 5 s.
type webhookOptions struct {
	allow webhooks.AllowList
	base  func() (time.Duration, error)
}

func addWebhookOptions(fs *flag.FlagSet) *webhookOptions {
	env := os.Getenv("RTCBILL_WEBHOOK_RETRY_BASE")
	d := fs.Duration("webhook-retry-base", webhooks.DefaultRetryBase,
		"a failed webhook delivery is retried this × 2^(attempt−1) later, ±5s, 8 attempts at most (env RTCBILL_WEBHOOK_RETRY_BASE)")
	o := &webhookOptions{allow: webhooks.ParseAllowList(os.Getenv("RTCBILL_WEBHOOK_ALLOW_HOSTS"))}
	o.base = func() (time.Duration, error) {
		set := false
		fs.Visit(func(f *flag.Flag) { set = set || f.Name == "webhook-retry-base" })
		if !set && env != "" {
			v, err := time.ParseDuration(env)
			if err != nil {
				return 0, fmt.Errorf("RTCBILL_WEBHOOK_RETRY_BASE=%q is not a duration such as 30s or 1m", env)
			}
			*d = v
		}
		if *d < time.Second || *d > time.Hour {
			return 0, fmt.Errorf("the webhook retry base %s must be from 1s to 1h", *d)
		}
		return *d, nil
	}
	return o
}
