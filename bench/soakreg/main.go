// Command soakreg serves an in-memory registry on a loopback address
// until it is killed: bench/soak.sh starts and kills it to take the
// registry away in the middle of runs.
//
// It also plays the other users of a shared registry:
//
//	soakreg -addr A -arm        the registry goes down (503) right after the next tag it stores
//	soakreg -addr A -up         the registry answers again
//	soakreg -push REG/REPO:TAG  someone else pushes a new image to a tag; prints its digest
package main

import (
	"flag"
	"fmt"
	"io"
	"log"
	"net/http"
	"os"
	"strings"
	"sync/atomic"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/registry"
	"github.com/google/go-containerregistry/pkg/v1/random"
	"github.com/google/go-containerregistry/pkg/v1/remote"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:5099", "where to listen (loopback only)")
	arm := flag.Bool("arm", false, "ask the running registry to go down after the next tag it stores")
	up := flag.Bool("up", false, "ask the running registry to answer again")
	push := flag.String("push", "", "push a random image to this tag and print its digest")
	flag.Parse()
	switch {
	case *arm, *up:
		path := "/soak/arm"
		if *up {
			path = "/soak/up"
		}
		resp, err := http.Get("http://" + *addr + path)
		if err != nil {
			log.Fatal(err)
		}
		resp.Body.Close()
	case *push != "":
		ref, err := name.NewTag(*push)
		if err != nil {
			log.Fatal(err)
		}
		img, _ := random.Image(256, 1)
		if err := remote.Write(ref, img); err != nil {
			log.Fatal(err)
		}
		d, _ := img.Digest()
		fmt.Println(d)
	default:
		serve(*addr)
	}
	os.Exit(0)
}

// serve runs the registry; /soak/arm and /soak/up control the outage.
func serve(addr string) {
	var armed, down atomic.Bool
	reg := registry.New(registry.Logger(log.New(io.Discard, "", 0)))
	log.Fatal(http.ListenAndServe(addr, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/soak/arm":
			armed.Store(true)
			return
		case "/soak/up":
			armed.Store(false)
			down.Store(false)
			return
		}
		if down.Load() {
			http.Error(w, "soak: registry down", http.StatusServiceUnavailable)
			return
		}
		reg.ServeHTTP(w, r)
		if r.Method == http.MethodPut && strings.Contains(r.URL.Path, "/manifests/") &&
			!strings.Contains(r.URL.Path, "/manifests/sha256:") && armed.CompareAndSwap(true, false) {
			down.Store(true)
		}
	})))
}
