package handlers

import (
	"testing"
	"time"

	"github.com/alexedwards/scs/v2"
)

// TestSessionCodec: values keep their types through the codec; sessions
// written with scs's gob before are still read; a value of another type is
// refused, not stored as something else.
func TestSessionCodec(t *testing.T) {
	deadline := time.Date(2026, 12, 8, 12, 0, 0, 123, time.UTC)
	values := map[string]any{sessionUserKey: int64(42), sessionEpochKey: int64(3), sessionCSRFKey: "tok-en"}
	b, err := sessionCodec{}.Encode(deadline, values)
	if err != nil {
		t.Fatal(err)
	}
	if b[0] != '{' {
		t.Fatalf("encoded as %q, want JSON", b)
	}
	old, err := scs.GobCodec{}.Encode(deadline, values)
	if err != nil {
		t.Fatal(err)
	}
	for name, data := range map[string][]byte{"json": b, "gob": old} {
		d, got, err := sessionCodec{}.Decode(data)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if !d.Equal(deadline) || got[sessionUserKey] != int64(42) || got[sessionEpochKey] != int64(3) || got[sessionCSRFKey] != "tok-en" || len(got) != 3 {
			t.Errorf("%s: got %v %v, want %v %v", name, d, got, deadline, values)
		}
		if id := sessionUserOf(sessionCodec{}, data); id != 42 {
			t.Errorf("%s: sessionUserOf = %d, want 42", name, id)
		}
	}
	if _, err := (sessionCodec{}).Encode(deadline, map[string]any{"n": 1}); err == nil {
		t.Error("an int (not int64) was encoded, want an error")
	}
}

func BenchmarkSessionCodecDecode(b *testing.B) {
	values := map[string]any{sessionUserKey: int64(42), sessionEpochKey: int64(3), sessionSinceKey: int64(1700000000),
		sessionSeenKey: int64(1700000000), sessionCSRFKey: "0123456789abcdef0123456789abcdef0123456789a"}
	for name, codec := range map[string]scs.Codec{"json": sessionCodec{}, "gob": scs.GobCodec{}} {
		data, _ := codec.Encode(time.Now(), values)
		b.Run(name, func(b *testing.B) {
			for b.Loop() {
				if _, _, err := codec.Decode(data); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
