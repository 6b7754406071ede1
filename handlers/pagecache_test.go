package handlers

import (
	"bytes"
	"fmt"
	"testing"
)

// The page caches stay within pageCacheBytes whatever is put in them.
func TestPageCacheStaysBounded(t *testing.T) {
	var pc pageCache
	page := cutShared(bytes.Repeat([]byte("x"), 100_000))
	for i := range 1_000 { // 100 MB offered
		key := fmt.Sprint("page ", i)
		pc.put(key, page)
		if got, ok := pc.get(key); !ok || got.len() != 100_000 {
			t.Fatalf("page %d is not found right after it was kept", i)
		}
		if pc.bytes > pageCacheBytes {
			t.Fatalf("after %d pages the cache holds %d bytes, more than %d", i+1, pc.bytes, pageCacheBytes)
		}
	}
}

// A kept page is cut at its placeholders and served with the viewer's own
// values in them, byte for byte what replacing each placeholder gives.
func TestSharedPageHoles(t *testing.T) {
	badge := string(sharedMarks[holeUnread])
	body := "<a>" + csrfPlaceholder + "</a><b>" + emailPlaceholder + "</b>" + badge + "<c>" + csrfPlaceholder + "</c>"
	p := cutShared([]byte(body))
	if len(p.parts) != 5 || fmt.Sprint(p.holes) != fmt.Sprint([]int{holeCSRF, holeEmail, holeUnread, holeCSRF}) {
		t.Fatalf("cut into %q, holes %v", p.parts, p.holes)
	}
	if p.size != len("<a></a><b></b><c></c>") {
		t.Errorf("size %d, want %d", p.size, len("<a></a><b></b><c></c>"))
	}
	if q := cutShared([]byte("no holes")); len(q.parts) != 1 || string(q.parts[0]) != "no holes" || len(q.holes) != 0 {
		t.Errorf("a page without holes: %q %v", q.parts, q.holes)
	}
}
