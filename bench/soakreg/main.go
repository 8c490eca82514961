// Command soakreg serves an in-memory registry on a loopback address
// until it is killed: bench/soak.sh starts and kills it to take the
// registry away in the middle of runs.
package main

import (
	"flag"
	"io"
	"log"
	"net/http"

	"github.com/google/go-containerregistry/pkg/registry"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:5099", "where to listen (loopback only)")
	flag.Parse()
	log.Fatal(http.ListenAndServe(*addr, registry.New(registry.Logger(log.New(io.Discard, "", 0)))))
}
