"""Counting HTTP server for the molecule scenario `artifact` (test tooling only).

Serves a directory of STAND-IN artifacts, counts GET/HEAD requests per path and
exposes the counts as JSON at /__counts. It stops by itself after --lifetime seconds.
"""
import argparse
import collections
import functools
import http.server
import json
import os
import threading

COUNTS = collections.Counter()
LOCK = threading.Lock()


class Handler(http.server.SimpleHTTPRequestHandler):
    def _count(self):
        path = self.path.split("?", 1)[0]
        if path != "/__counts":
            with LOCK:
                COUNTS[path] += 1
        return path

    def do_GET(self):  # noqa: N802 (http.server API)
        if self._count() == "/__counts":
            with LOCK:
                body = json.dumps(dict(COUNTS), sort_keys=True).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
            return
        super().do_GET()

    def do_HEAD(self):  # noqa: N802
        self._count()
        super().do_HEAD()

    def guess_type(self, path):
        if "/api.github.com/" in path:
            return "application/json"
        return "application/octet-stream"


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--bind", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--root", required=True)
    parser.add_argument("--port-file", required=True)
    parser.add_argument("--pid-file", required=True)
    parser.add_argument("--lifetime", type=int, default=1800, help="seconds before the server stops itself")
    args = parser.parse_args()

    handler = functools.partial(Handler, directory=args.root)
    server = http.server.ThreadingHTTPServer((args.bind, args.port), handler)
    with open(args.pid_file, "w", encoding="utf-8") as fh:
        fh.write(str(os.getpid()))
    tmp = args.port_file + ".tmp"
    with open(tmp, "w", encoding="utf-8") as fh:
        fh.write(str(server.server_address[1]))
    os.replace(tmp, args.port_file)
    threading.Timer(args.lifetime, server.shutdown).start()
    try:
        server.serve_forever()
    finally:
        server.server_close()


if __name__ == "__main__":
    main()
