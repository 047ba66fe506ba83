package metrics

import (
	"net/http"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// StoreSizer reports how many blobs the store holds and their bytes.
type StoreSizer interface {
	StoreSize() (count int, bytes int64, err error)
}

// GCStats reports on garbage collection.
type GCStats interface {
	// Stats returns finished runs, the last run's seconds and the bytes
	// all runs freed.
	Stats() (runs int, lastSeconds float64, freed int64)
}

// Metrics holds berth's collectors.
type Metrics struct {
	reg      *prometheus.Registry
	requests *prometheus.CounterVec
	duration *prometheus.HistogramVec
	bytesIn  prometheus.Counter
	bytesOut prometheus.Counter
	uploads  prometheus.Histogram
	uploaded prometheus.Counter
}

// New registers berth's metrics; store, if not nil, is measured.
func New(store StoreSizer) *Metrics {
	m := &Metrics{
		reg: prometheus.NewRegistry(),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "berth_http_requests_total", Help: "HTTP requests by route, method and status code.",
		}, []string{"route", "method", "code"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "berth_http_request_duration_seconds", Help: "HTTP request durations by route and method.",
			Buckets: prometheus.ExponentialBuckets(0.0005, 4, 10),
		}, []string{"route", "method"}),
		bytesIn: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "berth_http_received_bytes_total", Help: "Request body bytes read.",
		}),
		bytesOut: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "berth_http_sent_bytes_total", Help: "Response body bytes written.",
		}),
		uploads: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name: "berth_registry_upload_duration_seconds", Help: "Time from opening an upload to its committed blob.",
			Buckets: prometheus.ExponentialBuckets(0.01, 4, 10),
		}),
		uploaded: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "berth_registry_uploaded_bytes_total", Help: "Bytes of blobs committed by uploads.",
		}),
	}
	m.reg.MustRegister(m.requests, m.duration, m.bytesIn, m.bytesOut, m.uploads, m.uploaded,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	if store != nil {
		m.registerStore(store)
	}
	return m
}

// registerStore exposes the store's size, measured at most every 30s.
func (m *Metrics) registerStore(store StoreSizer) {
	var (
		mu    sync.Mutex
		at    time.Time
		count int
		bytes int64
	)
	measure := func() (int, int64) {
		mu.Lock()
		defer mu.Unlock()
		if time.Since(at) > 30*time.Second {
			if c, b, err := store.StoreSize(); err == nil {
				count, bytes, at = c, b, time.Now()
			}
		}
		return count, bytes
	}
	m.reg.MustRegister(
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "berth_store_blobs", Help: "Blobs in the store."},
			func() float64 { c, _ := measure(); return float64(c) }),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "berth_store_bytes", Help: "Bytes of blobs in the store."},
			func() float64 { _, b := measure(); return float64(b) }),
	)
}

// RegisterGC adds garbage collection's figures.
func (m *Metrics) RegisterGC(gc GCStats) {
	m.reg.MustRegister(
		prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "berth_gc_runs_total", Help: "Finished garbage collections."},
			func() float64 { r, _, _ := gc.Stats(); return float64(r) }),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "berth_gc_last_duration_seconds", Help: "How long the last collection took."},
			func() float64 { _, s, _ := gc.Stats(); return s }),
		prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "berth_gc_freed_bytes_total", Help: "Bytes freed by garbage collection."},
			func() float64 { _, _, f := gc.Stats(); return float64(f) }),
	)
}

// Handler serves the metrics in the Prometheus text format.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{Registry: m.reg})
}

// UploadFinished records a committed upload.
func (m *Metrics) UploadFinished(size int64, took time.Duration) {
	m.uploads.Observe(took.Seconds())
	m.uploaded.Add(float64(size))
}
