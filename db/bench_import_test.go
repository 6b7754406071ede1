package db

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// sessionCSV is an import file of n sessions made up as it is read, so
// that the benchmark holds no more of it than the import itself does. The
// sessions start on 2023-01-03 CST, 5 seconds apart, in 500 rooms.
type sessionCSV struct {
	n, i  int
	start time.Time
	buf   bytes.Buffer
	size  int64
}

func newSessionCSV(n int) *sessionCSV {
	c := &sessionCSV{n: n, start: cstAt(2023, 1, 3, 0, 0, 0)}
	c.buf.WriteString(csvHeader)
	return c
}

func (c *sessionCSV) Read(p []byte) (int, error) {
	for c.buf.Len() < len(p) && c.i < c.n {
		i := c.i
		joined := c.start.Add(time.Duration(i) * 5 * time.Second)
		left := joined.Add(time.Duration(60+(i*7919)%3540) * time.Second)
		fmt.Fprintf(&c.buf, "imp-%07d,room-%03d,user-%06d,%s,%s\n", i, i%500, i%100_000,
			joined.Format(time.RFC3339), left.Format(time.RFC3339))
		c.i++
	}
	n, err := c.buf.Read(p)
	c.size += int64(n)
	return n, err
}

// peakSampler samples the Go heap in use every few milliseconds until
// stopped and keeps the largest figure.
type peakSampler struct {
	stop chan struct{}
	done sync.WaitGroup
	peak uint64
}

func sampleHeap() *peakSampler {
	p := &peakSampler{stop: make(chan struct{})}
	p.done.Go(func() {
		var m runtime.MemStats
		tick := time.NewTicker(20 * time.Millisecond)
		defer tick.Stop()
		for {
			runtime.ReadMemStats(&m)
			p.peak = max(p.peak, m.HeapInuse)
			select {
			case <-p.stop:
				return
			case <-tick.C:
			}
		}
	})
	return p
}

func (p *peakSampler) Stop() uint64 {
	close(p.stop)
	p.done.Wait()
	return p.peak
}

// peakRSS is the process's peak resident set (VmHWM) in bytes on Linux,
// 0 elsewhere. It covers SQLite's own memory, which the Go heap does not.
func peakRSS() uint64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for line := range strings.Lines(string(b)) {
		if rest, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			kb, _ := strconv.ParseUint(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
			return kb * 1024
		}
	}
	return 0
}

// BenchmarkImportCSV imports a generated file of 10,000 and of 1,000,000
// sessions into a fresh database, in one transaction, and reports the
// sessions per second, the peak Go heap in use while it ran (sampled every
// 20 ms), the bytes allocated per session, and the process's peak RSS so
// far. A flat peak heap between the two sizes is what streaming promises.
// The 1,000,000 size is skipped under -short.
func BenchmarkImportCSV(b *testing.B) {
	for _, n := range []int{10_000, 1_000_000} {
		b.Run(fmt.Sprintf("sessions=%d", n), func(b *testing.B) {
			if n > 100_000 && testing.Short() {
				b.Skip("the 1,000,000-session import is skipped under -short")
			}
			ctx := context.Background()
			var peak, allocs uint64
			var size int64
			for range b.N {
				b.StopTimer()
				s, _ := openTestStore(b)
				acct := mustAccount(b, s, cstAt(2023, 1, 2, 9, 0, 0))
				app, _ := mustApp(b, s, acct.ID, cstAt(2023, 1, 2, 10, 0, 0))
				runtime.GC()
				var before runtime.MemStats
				runtime.ReadMemStats(&before)
				sampler := sampleHeap()
				file := newSessionCSV(n)
				b.StartTimer()

				res, err := s.ImportSessionsCSV(ctx, app.SDKAppID, file, testNow, nil)

				b.StopTimer()
				peak = max(peak, sampler.Stop())
				var after runtime.MemStats
				runtime.ReadMemStats(&after)
				allocs += after.TotalAlloc - before.TotalAlloc
				size = file.size
				if err != nil {
					b.Fatal(err)
				}
				if res.Inserted != n {
					b.Fatalf("got %+v, want %d inserted", res, n)
				}
				b.StartTimer()
			}
			b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "sessions/s")
			b.ReportMetric(float64(peak)/(1<<20), "peak-heap-MB")
			b.ReportMetric(float64(allocs)/float64(n*b.N), "alloc-B/session")
			b.ReportMetric(float64(size)/(1<<20), "file-MB")
			if rss := peakRSS(); rss > 0 {
				b.ReportMetric(float64(rss)/(1<<20), "peak-RSS-MB")
			}
		})
	}
}
