package views

import "context"

type csrfKey struct{}

// WithCSRF puts the request's CSRF token into ctx for the forms.
func WithCSRF(ctx context.Context, token string) context.Context {
	return context.WithValue(ctx, csrfKey{}, token)
}

// CSRFToken is the token WithCSRF stored; empty when there is none.
func CSRFToken(ctx context.Context) string {
	t, _ := ctx.Value(csrfKey{}).(string)
	return t
}
