// Package webhooks is how rtcbill posts an account's events to the
// addresses its webhooks name: the event's JSON, the Standard Webhooks
// signature (standardwebhooks.com), the schedule of retries, and the
// checks that keep a webhook from reaching the console's own network (no
// SSRF): an address must be https, or http to a host:port the operator
// allows, and never resolve to a loopback, private, link-local or cloud
// metadata address unless allowed. The address is checked when the
// webhook is created and again by the dialer at each delivery, so a name
// that resolves elsewhere later is refused then.
package webhooks

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
	"syscall"
	"time"

	"rtcbill/billing"
	"rtcbill/domain"
)

// EventJSON is an event as the API and the webhooks give it:
// {"id", "type", "created_at", "account_id", "data"}.
type EventJSON struct {
	ID        string          `json:"id"`
	Type      string          `json:"type"`
	CreatedAt string          `json:"created_at"`
	AccountID int64           `json:"account_id"`
	Data      json.RawMessage `json:"data"`
}

// ToJSON shapes an event for the API and the webhooks.
func ToJSON(e domain.Event) EventJSON {
	return EventJSON{ID: e.ID, Type: e.Type, CreatedAt: billing.FormatInstant(e.CreatedAt), AccountID: e.AccountID, Data: e.Data}
}

// Body is the body of a delivery of e.
func Body(e domain.Event) ([]byte, error) { return json.Marshal(ToJSON(e)) }

// Sign is the webhook-signature header of a delivery (Standard Webhooks):
// "v1," and the base64 of HMAC-SHA256 over "<id>.<timestamp>.<body>",
// keyed with the base64-decoded part of secret after "whsec_".
func Sign(secret, id string, timestamp time.Time, body []byte) (string, error) {
	key, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(secret, "whsec_"))
	if err != nil {
		return "", fmt.Errorf("webhooks: the secret is not base64: %w", err)
	}
	mac := hmac.New(sha256.New, key)
	fmt.Fprintf(mac, "%s.%d.", id, timestamp.Unix())
	mac.Write(body)
	return "v1," + base64.StdEncoding.EncodeToString(mac.Sum(nil)), nil
}

// Schedule: at most MaxAttempts attempts; after failed attempt n (of its
// round) the next comes Base × 2^(n−1) later, give or take Jitter.
const (
	MaxAttempts       = 8
	DefaultRetryBase  = 30 * time.Second
	DefaultJitter     = 5 * time.Second
	AttemptTimeout    = 10 * time.Second
	MaxResponseStored = 1024
)

// Delay is the wait after failed attempt n (1-based) of a round.
func Delay(base, jitter time.Duration, n int) time.Duration {
	d := base << (n - 1)
	if jitter > 0 {
		d += time.Duration(rand.Int64N(int64(2*jitter)+1)) - jitter
	}
	return max(d, 0)
}

// AllowList is the host:port pairs (as written in URLs) that may be
// reached over plain http and at any address: the operator's own
// receivers (RTCBILL_WEBHOOK_ALLOW_HOSTS).
type AllowList []string

// ParseAllowList reads a comma-separated list.
func ParseAllowList(s string) AllowList {
	var out AllowList
	for _, h := range strings.Split(s, ",") {
		if h = strings.TrimSpace(h); h != "" {
			out = append(out, h)
		}
	}
	return out
}

// Allows reports whether host (host[:port] as written in a URL) is listed.
func (l AllowList) Allows(host string) bool {
	for _, h := range l {
		if strings.EqualFold(h, host) {
			return true
		}
	}
	return false
}

// ErrRefused is an address a webhook may not reach.
var ErrRefused = errors.New("webhooks: address refused")

// metadata are the cloud metadata services' addresses beyond the
// link-local ones (Alibaba Cloud's sits in the shared address space).
var metadata = []netip.Prefix{
	netip.MustParsePrefix("100.64.0.0/10"),     // shared address space, Alibaba Cloud's 100.100.100.200
	netip.MustParsePrefix("168.63.129.16/32"),  // Azure
	netip.MustParsePrefix("192.0.0.192/32"),    // Oracle Cloud
	netip.MustParsePrefix("fd00:ec2::254/128"), // AWS over IPv6 (also private)
}

// Forbidden reports whether ip is an address no webhook may reach unless
// allowed: loopback, private, link-local, unspecified, multicast or a
// metadata service.
func Forbidden(ip netip.Addr) bool {
	ip = ip.Unmap()
	if ip.IsLoopback() || ip.IsPrivate() || ip.IsLinkLocalUnicast() || ip.IsLinkLocalMulticast() ||
		ip.IsUnspecified() || ip.IsMulticast() || ip.IsInterfaceLocalMulticast() {
		return true
	}
	for _, p := range metadata {
		if p.Contains(ip) {
			return true
		}
	}
	return false
}

// Resolver looks names up; net.DefaultResolver is one.
type Resolver interface {
	LookupNetIP(ctx context.Context, network, host string) ([]netip.Addr, error)
}

// CheckURL validates a webhook's address for creation: an absolute https
// URL, or http to a listed host:port; one whose host is or resolves to a
// forbidden address, unless listed, is refused. A name that does not
// resolve is accepted (it is checked again at each delivery). The error is
// a *domain.ValidationError of field "url".
func CheckURL(ctx context.Context, raw string, allow AllowList, r Resolver) (string, error) {
	raw = strings.TrimSpace(raw)
	u, err := url.Parse(raw)
	switch {
	case raw == "":
		return "", domain.Invalid("url", "is required")
	case len(raw) > 2000:
		return "", domain.Invalid("url", "is longer than 2000 characters")
	case err != nil || u.Host == "" || u.Opaque != "":
		return "", domain.Invalid("url", "%q is not an absolute URL such as https://example.com/hooks/rtcbill", raw)
	case u.User != nil:
		return "", domain.Invalid("url", "may not carry a user name or password")
	case u.Fragment != "":
		return "", domain.Invalid("url", "may not carry a fragment")
	}
	listed := allow.Allows(u.Host)
	switch {
	case u.Scheme == "https":
	case u.Scheme == "http" && listed:
	case u.Scheme == "http":
		return "", domain.Invalid("url", "must be https (plain http only to a host:port listed in RTCBILL_WEBHOOK_ALLOW_HOSTS)")
	default:
		return "", domain.Invalid("url", "must be an https URL, not %s", u.Scheme)
	}
	if listed {
		return u.String(), nil
	}
	host := u.Hostname()
	if ip, err := netip.ParseAddr(host); err == nil {
		if Forbidden(ip) {
			return "", domain.Invalid("url", "%s is a loopback, private, link-local or metadata address", host)
		}
		return u.String(), nil
	}
	if r == nil {
		r = net.DefaultResolver
	}
	ctx, cancel := context.WithTimeout(ctx, 3*time.Second)
	defer cancel()
	addrs, err := r.LookupNetIP(ctx, "ip", host)
	if err != nil {
		return u.String(), nil // does not resolve (yet): checked at each delivery
	}
	for _, a := range addrs {
		if Forbidden(a) {
			return "", domain.Invalid("url", "%s resolves to %s, a loopback, private, link-local or metadata address", host, a)
		}
	}
	return u.String(), nil
}

// Sender posts deliveries.
type Sender struct {
	allow   AllowList
	strict  *http.Client // refuses forbidden addresses at dial time
	trusted *http.Client // for listed hosts
}

// NewSender makes the HTTP clients of deliveries: no proxy from the
// environment, no redirects followed (a 3xx is not a 2xx), a 10-second
// limit, and a dialer that refuses forbidden addresses for hosts that are
// not listed.
func NewSender(allow AllowList) *Sender {
	client := func(check bool) *http.Client {
		d := &net.Dialer{Timeout: AttemptTimeout}
		if check {
			d.Control = func(network, address string, _ syscall.RawConn) error {
				ap, err := netip.ParseAddrPort(address)
				if err != nil {
					return fmt.Errorf("%w: %s", ErrRefused, address)
				}
				if Forbidden(ap.Addr()) {
					return fmt.Errorf("%w: %s is a loopback, private, link-local or metadata address", ErrRefused, ap.Addr())
				}
				return nil
			}
		}
		return &http.Client{
			Timeout: AttemptTimeout,
			Transport: &http.Transport{
				Proxy:               nil,
				DialContext:         d.DialContext,
				TLSHandshakeTimeout: AttemptTimeout,
				MaxIdleConnsPerHost: 2,
				IdleConnTimeout:     90 * time.Second,
			},
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		}
	}
	return &Sender{allow: allow, strict: client(true), trusted: client(false)}
}

// Result is the outcome of one attempt.
type Result struct {
	StatusCode int    // 0: no answer
	Error      string // "" when delivered (a 2xx)
	Response   string // at most the answer's first MaxResponseStored bytes
}

// Delivered reports whether the attempt delivered the event.
func (r Result) Delivered() bool { return r.Error == "" }

// Send posts body, signed with secret, to rawURL as delivery id at
// timestamp.
func (s *Sender) Send(ctx context.Context, rawURL, secret, id string, timestamp time.Time, body []byte) Result {
	u, err := url.Parse(rawURL)
	if err != nil {
		return Result{Error: "the address is not a URL"}
	}
	listed := s.allow.Allows(u.Host)
	if u.Scheme != "https" && !(u.Scheme == "http" && listed) {
		return Result{Error: "refused: plain http to a host not listed in RTCBILL_WEBHOOK_ALLOW_HOSTS"}
	}
	sig, err := Sign(secret, id, timestamp, body)
	if err != nil {
		return Result{Error: err.Error()}
	}
	ctx, cancel := context.WithTimeout(ctx, AttemptTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, u.String(), strings.NewReader(string(body)))
	if err != nil {
		return Result{Error: err.Error()}
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "rtcbill-webhooks")
	req.Header.Set("webhook-id", id)
	req.Header.Set("webhook-timestamp", strconv.FormatInt(timestamp.Unix(), 10))
	req.Header.Set("webhook-signature", sig)
	client := s.strict
	if listed {
		client = s.trusted
	}
	resp, err := client.Do(req)
	if err != nil {
		msg := err.Error()
		if errors.Is(err, ErrRefused) {
			msg = "refused: " + strings.TrimPrefix(unwrapRefused(err), ErrRefused.Error()+": ")
		}
		return Result{Error: msg}
	}
	defer resp.Body.Close()
	head, _ := io.ReadAll(io.LimitReader(resp.Body, MaxResponseStored))
	io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<20)) // let the connection be reused
	r := Result{StatusCode: resp.StatusCode, Response: strings.ToValidUTF8(string(head), "")}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		r.Error = fmt.Sprintf("HTTP %d", resp.StatusCode)
	}
	return r
}

// unwrapRefused finds the refusal's own message inside the dial error.
func unwrapRefused(err error) string {
	for e := err; e != nil; e = errors.Unwrap(e) {
		if strings.HasPrefix(e.Error(), ErrRefused.Error()) {
			return e.Error()
		}
	}
	return err.Error()
}
