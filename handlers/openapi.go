package handlers

import (
	"crypto/sha256"
	_ "embed"
	"encoding/hex"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"
)

// openAPIDocument is the OpenAPI 3.1 document of the JSON API, written by
// hand next to the handlers it describes and served as it is written.
// openapi_test.go checks it against the route table and validates real
// requests and answers against it.
//
//go:embed openapi.json
var openAPIDocument []byte

// openAPIETag names this build's document: it changes only with a release.
var openAPIETag = func() string {
	sum := sha256.Sum256(openAPIDocument)
	return `"` + hex.EncodeToString(sum[:12]) + `"`
}()

// showOpenAPI answers GET /api/v1/openapi.json, no auth needed. Caches may
// keep it an hour and then ask again with If-None-Match, which answers 304
// while the document is the same.
func (h *Handler) showOpenAPI(c echo.Context) error {
	hdr := c.Response().Header()
	hdr.Set("Cache-Control", "public, max-age=3600")
	hdr.Set("ETag", openAPIETag)
	if etagMatches(c.Request().Header.Get("If-None-Match"), openAPIETag) {
		return c.NoContent(http.StatusNotModified)
	}
	return c.Blob(http.StatusOK, echo.MIMEApplicationJSON, openAPIDocument)
}

// etagMatches reports whether an If-None-Match header names tag (weakly
// compared, as RFC 9110 asks for If-None-Match) or is "*".
func etagMatches(header, tag string) bool {
	for _, t := range strings.Split(header, ",") {
		t = strings.TrimPrefix(strings.TrimSpace(t), "W/")
		if t == tag || t == "*" {
			return true
		}
	}
	return false
}
