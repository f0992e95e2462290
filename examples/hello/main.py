"""Ink's sample app: a web page from Python's standard library, on the port Ink gives it ($PORT).

Deploy it from this repository's root with `ink deploy examples/hello --project demo --service
web --wait` (README.md, "Using it"): Ink detects Python, builds an image and serves it."""
import http.server
import os


class Hello(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        body = b"Hello from Ink!\n"
        self.send_response(200)
        self.send_header("Content-Type", "text/plain; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, fmt, *args):  # one line per request on stdout: `ink logs` shows it
        print(f"{self.address_string()} {fmt % args}", flush=True)


if __name__ == "__main__":
    port = int(os.environ.get("PORT", "8080"))
    print(f"hello: listening on port {port}", flush=True)
    http.server.ThreadingHTTPServer(("0.0.0.0", port), Hello).serve_forever()
