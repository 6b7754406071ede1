package handlers_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"testing"
	"time"

	"rtcbill/billing"
	"rtcbill/db"
	"rtcbill/handlers"
)

// benchIngestBodies encodes total sessions in March 2021 as JSON batches of
// batch sessions, the body of POST /api/v1/apps/:sdk_app_id/sessions.
func benchIngestBodies(b *testing.B, total, batch int) [][]byte {
	b.Helper()
	type row struct {
		SessionID string `json:"session_id"`
		RoomID    string `json:"room_id"`
		UserID    string `json:"user_id"`
		JoinedAt  string `json:"joined_at"`
		LeftAt    string `json:"left_at"`
	}
	start := time.Date(2021, 3, 1, 0, 0, 0, 0, billing.CST)
	span := int64(30 * 24 * 3600)
	var bodies [][]byte
	for first := 0; first < total; first += batch {
		rows := make([]row, 0, batch)
		for i := first; i < min(first+batch, total); i++ {
			joined := start.Add(time.Duration(int64(i)*span/int64(total)) * time.Second)
			rows = append(rows, row{
				SessionID: fmt.Sprintf("bench-%07d", i),
				RoomID:    fmt.Sprintf("room-%02d", i%50),
				UserID:    fmt.Sprintf("user-%07d", i),
				JoinedAt:  billing.FormatInstant(joined),
				LeftAt:    billing.FormatInstant(joined.Add(time.Duration(60+(i*7919)%3540) * time.Second)),
			})
		}
		body, err := json.Marshal(map[string]any{"sessions": rows})
		if err != nil {
			b.Fatal(err)
		}
		bodies = append(bodies, body)
	}
	return bodies
}

// BenchmarkIngestAPI measures the JSON ingestion path end to end (routing,
// auth, streaming decode, validation, one SQLite transaction per batch with
// the daily and room sums): 100,000 sessions in batches of 1,000. Every
// iteration sends them to a fresh application of the same database, so
// nothing is a duplicate; the application is created with the timer
// stopped.
func BenchmarkIngestAPI(b *testing.B) {
	const total, batch, token = 100_000, 1_000, "bench-staff-token-of-at-least-32-chars"
	ctx := context.Background()
	now := time.Date(2021, 6, 1, 12, 0, 0, 0, billing.CST)
	created := time.Date(2021, 1, 4, 10, 0, 0, 0, billing.CST)

	store, err := db.Open(ctx, filepath.Join(b.TempDir(), "bench.db"))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { store.Close() })
	acct, err := store.CreateAccount(ctx, "Bench", "bench@example.com", created, now)
	if err != nil {
		b.Fatal(err)
	}
	if _, _, err := store.Purchase(ctx, acct.ID, "premium", created, "", now); err != nil {
		b.Fatal(err)
	}
	e := handlers.New(handlers.Config{
		Store:      store,
		AdminToken: token,
		Now:        func() time.Time { return now },
		Logger:     slog.New(slog.NewTextHandler(io.Discard, nil)),
	})
	bodies := benchIngestBodies(b, total, batch)

	for b.Loop() {
		b.StopTimer()
		app, _, err := store.CreateApp(ctx, acct.ID, "bench", created, now)
		if err != nil {
			b.Fatal(err)
		}
		path := fmt.Sprintf("/api/v1/apps/%d/sessions", app.SDKAppID)
		b.StartTimer()
		for _, body := range bodies {
			req := httptest.NewRequest(http.MethodPost, path, bytes.NewReader(body))
			req.Header.Set("Authorization", "Bearer "+token)
			req.Header.Set("Content-Type", "application/json")
			rec := httptest.NewRecorder()
			e.ServeHTTP(rec, req)
			if rec.Code != http.StatusCreated {
				b.Fatalf("POST %s: got %d %s, want 201", path, rec.Code, rec.Body)
			}
			var res struct{ Inserted, Duplicates int }
			if err := json.Unmarshal(rec.Body.Bytes(), &res); err != nil || res.Inserted != batch || res.Duplicates != 0 {
				b.Fatalf("POST %s: got %s (%v), want %d inserted, 0 duplicates", path, rec.Body, err, batch)
			}
		}
	}
	b.ReportMetric(float64(b.N*total)/b.Elapsed().Seconds(), "sessions/s")
}
