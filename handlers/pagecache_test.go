package handlers

import (
	"bytes"
	"fmt"
	"testing"
)

// The page caches stay within pageCacheBytes whatever is put in them.
func TestPageCacheStaysBounded(t *testing.T) {
	var pc pageCache
	page := bytes.Repeat([]byte("x"), 100_000)
	for i := range 1_000 { // 100 MB offered
		key := fmt.Sprint("page ", i)
		pc.put(key, page)
		if got, ok := pc.get(key); !ok || len(got) != len(page) {
			t.Fatalf("page %d is not found right after it was kept", i)
		}
		if pc.bytes > pageCacheBytes {
			t.Fatalf("after %d pages the cache holds %d bytes, more than %d", i+1, pc.bytes, pageCacheBytes)
		}
	}
}
