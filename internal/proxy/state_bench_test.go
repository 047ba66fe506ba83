package proxy

import (
	"encoding/json"
	"strconv"
	"testing"
	"time"
)

// BenchmarkState takes and encodes the state of a proxy with ten sets
// that had traffic in every second of the last ten minutes, as a proxy
// process saves it every second under load, and reports its size.
func BenchmarkState(b *testing.B) {
	p, _ := newProxy(b, Options{})
	now := time.Now()
	for i := range 10 {
		host := "app" + strconv.Itoa(i) + ".local"
		mustSet(b, p, Route{Host: host, Sets: []Set{{Name: "blue", Revision: 1, Weight: 100, Backends: []Backend{{ID: host, Addr: "127.0.0.1:9"}}}}})
		p.mu.Lock()
		s := p.seriesFor(host, "blue", 1)
		p.mu.Unlock()
		for sec := range historySeconds {
			at := now.Add(-time.Duration(sec) * time.Second)
			for j := range 20 {
				s.record(at, 200, time.Duration(j+1)*time.Millisecond)
			}
		}
	}
	var size int
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		data, err := json.Marshal(p.State())
		if err != nil {
			b.Fatal(err)
		}
		size = len(data)
	}
	b.ReportMetric(float64(size), "bytes/state")
}

// BenchmarkRestore parses and restores the state BenchmarkState takes,
// as a proxy process does before it accepts a connection.
func BenchmarkRestore(b *testing.B) {
	src, _ := newProxy(b, Options{})
	now := time.Now()
	for i := range 10 {
		host := "app" + strconv.Itoa(i) + ".local"
		mustSet(b, src, Route{Host: host, Sets: []Set{{Name: "blue", Revision: 1, Weight: 100, Backends: []Backend{{ID: host, Addr: "127.0.0.1:9"}}}}})
		src.mu.Lock()
		s := src.seriesFor(host, "blue", 1)
		src.mu.Unlock()
		for sec := range historySeconds {
			for j := range 20 {
				s.record(now.Add(-time.Duration(sec)*time.Second), 200, time.Duration(j+1)*time.Millisecond)
			}
		}
	}
	data, err := json.Marshal(src.State())
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		st, err := ParseState(data)
		if err != nil {
			b.Fatal(err)
		}
		p := New(Options{}, nil)
		if err := p.Restore(st); err != nil {
			b.Fatal(err)
		}
		p.Close()
	}
}
