// A stand-in for Traefik in the example proxy recipe: serves its own
// /api/version over HTTPS (the signal the proxy deploy gates on), and can be
// told to misbehave the ways a broken proxy release does, so the gate's
// teeth are tested against a real TLS server. Built statically into the
// coopci/proxy image by scripts/setup.sh (no registry is reachable).
//
// MODE: good (200), refuse (never listens), error (500), slow (answers after
// 120 s), wrong-cert (presents a certificate for another name).
package main

import (
	"crypto/tls"
	"fmt"
	"log"
	"net/http"
	"os"
	"time"
)

func main() {
	mode := os.Getenv("MODE")
	release := os.Getenv("RELEASE")
	cert, key := "/certs/proxy.pem", "/certs/proxy-key.pem"
	if mode == "wrong-cert" {
		cert, key = "/certs/wrong.pem", "/certs/wrong-key.pem"
	}
	if mode == "refuse" {
		log.Printf("release %s: not listening (refuse mode)", release)
		// Keep running without listening, as a proxy stuck before its listener
		// does. (A bare `select {}` is a deadlock the Go runtime kills at once:
		// that release would crash-loop and never converge, a different failure.)
		for {
			time.Sleep(time.Hour)
		}
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/api/version", func(w http.ResponseWriter, r *http.Request) {
		switch mode {
		case "error":
			http.Error(w, "internal error", http.StatusInternalServerError)
			return
		case "slow":
			time.Sleep(120 * time.Second)
		}
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(w, "{\"Version\":%q}\n", release)
	})
	pair, err := tls.LoadX509KeyPair(cert, key)
	if err != nil {
		log.Fatal(err)
	}
	srv := &http.Server{
		Addr:      ":8443",
		Handler:   mux,
		TLSConfig: &tls.Config{Certificates: []tls.Certificate{pair}},
	}
	log.Printf("release %s (%s) serving https on :8443", release, mode)
	log.Fatal(srv.ListenAndServeTLS("", ""))
}
