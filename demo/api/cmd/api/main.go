// Command api serves the shop's JSON API.
package main

import (
	"flag"
	"log"
	"net/http"
	"os"
)

const addr = ":8080"

func main() {
	healthcheck := flag.Bool("healthcheck", false, "probe a running server and exit 0 when it is healthy")
	flag.Parse()
	if *healthcheck {
		// The image has no shell or curl, so HEALTHCHECK runs the binary itself.
		resp, err := http.Get("http://127.0.0.1" + addr + "/healthz")
		if err != nil || resp.StatusCode != http.StatusNoContent {
			os.Exit(1)
		}
		os.Exit(0)
	}
	http.HandleFunc("/healthz", func(w http.ResponseWriter, _ *http.Request) {
		w.WriteHeader(http.StatusNoContent)
	})
	log.Fatal(http.ListenAndServe(addr, nil))
}
