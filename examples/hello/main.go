// Command hello is the app of berth's five-minute demo: a web page that
// says which version answered, with a health check, built into a FROM
// scratch image by `berth publish` and rolled out by `berth deploy`.
//
//	PORT           port to listen on (default 8080)
//	HELLO_VERSION  the version it reports (the image's VERSION build arg)
//
// GET / answers a short page naming the version (plain text for curl),
// GET /healthz answers ok. SIGTERM lets in-flight requests finish.
package main

import (
	"context"
	"errors"
	"fmt"
	"log"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"
)

// greeting is what the page says; the demo changes it for version two.
const greeting = "Hello from berth"

func main() {
	version := cmpOr(os.Getenv("HELLO_VERSION"), "dev")
	srv := &http.Server{
		Addr:              ":" + cmpOr(os.Getenv("PORT"), "8080"),
		Handler:           handler(version),
		ReadHeaderTimeout: 10 * time.Second,
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT)
	defer stop()
	go func() {
		<-ctx.Done()
		shutdown, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer cancel()
		_ = srv.Shutdown(shutdown)
	}()
	log.Printf("hello %s listening on %s", version, srv.Addr)
	if err := srv.ListenAndServe(); err != nil && !errors.Is(err, http.ErrServerClosed) {
		log.Fatal(err)
	}
	log.Printf("hello %s stopped", version)
}

func handler(version string) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) {
		fmt.Fprintln(w, "ok")
	})
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Version", version)
		host, _ := os.Hostname()
		if strings.Contains(r.Header.Get("Accept"), "text/html") {
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			fmt.Fprintf(w, "<!doctype html><title>hello %s</title><h1>%s</h1><p>version <b>%s</b>, container %s</p>\n",
				version, greeting, version, host)
			return
		}
		fmt.Fprintf(w, "%s: version %s (container %s)\n", greeting, version, host)
	})
	return mux
}

func cmpOr(v, def string) string {
	if v == "" {
		return def
	}
	return v
}
