# -*- coding: utf-8 -*-
# Copyright (c) meshlab.linkerd contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""STAND-IN Prometheus for the report's cluster-mode test (no Prometheus image can run here).

Answers GET/POST /api/v1/query with recorded answers of the real API's documented shape
(prometheus docs/querying/api.md: {"status": "success", "data": {"resultType": "vector",
"result": [{"metric": {...}, "value": [<unix time>, "<value>"]}]}}), looked up by the exact query
text in a JSON file {query: answer} (fixtures/prometheus/*.json). A query it has no recording for
gets an empty vector, which is what a real Prometheus without samples answers. GET /-/ready says
ready; GET /__requests lists the queries received (for the test). Binds 127.0.0.1 or 172.17.0.1 only.

  prometheus_standin.py --bind 172.17.0.1 --answers fixtures/prometheus/emojivoto-1m.json \\
      --port-file DIR/prometheus.port --pid-file DIR/prometheus.pid [--lifetime 1800] [--empty]
"""
import argparse
import http.server
import json
import os
import threading
import time
from urllib.parse import parse_qs, urlsplit

ALLOWED = ('127.0.0.1', '172.17.0.1')


def empty_vector():
    return {'status': 'success', 'data': {'resultType': 'vector', 'result': []}}


class Handler(http.server.BaseHTTPRequestHandler):
    answers = {}
    empty = False
    seen = []
    lock = threading.Lock()

    def _send(self, code, doc):
        body = json.dumps(doc).encode()
        self.send_response(code)
        self.send_header('Content-Type', 'application/json')
        self.send_header('Content-Length', str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _query(self, params):
        query = (params.get('query') or [''])[0]
        if not query:
            return self._send(400, {'status': 'error', 'errorType': 'bad_data',
                                    'error': 'invalid parameter "query": 1:1: parse error: no expression found in input'})
        with self.lock:
            Handler.seen.append(query)
        answer = empty_vector() if self.empty else self.answers.get(query, empty_vector())
        # the value's time stamp is "now", as a live Prometheus would answer
        for r in answer.get('data', {}).get('result', []):
            r['value'] = [round(time.time(), 3), r['value'][1]]
        return self._send(200, answer)

    def do_GET(self):  # noqa: N802 (http.server API)
        url = urlsplit(self.path)
        if url.path == '/api/v1/query':
            return self._query(parse_qs(url.query))
        if url.path == '/-/ready':
            return self._send(200, {'status': 'ready (STAND-IN)'})
        if url.path == '/__requests':
            with self.lock:
                return self._send(200, list(Handler.seen))
        return self._send(404, {'status': 'error', 'errorType': 'not_found', 'error': url.path})

    def do_POST(self):  # noqa: N802
        url = urlsplit(self.path)
        length = int(self.headers.get('Content-Length') or 0)
        params = parse_qs(self.rfile.read(length).decode()) if length else parse_qs(url.query)
        if url.path == '/api/v1/query':
            return self._query(params)
        return self._send(404, {'status': 'error', 'errorType': 'not_found', 'error': url.path})

    def log_message(self, *args):
        pass


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('--bind', default='127.0.0.1', choices=ALLOWED)
    ap.add_argument('--port', type=int, default=0)
    ap.add_argument('--answers', required=True)
    ap.add_argument('--empty', action='store_true', help='answer every query with no samples')
    ap.add_argument('--port-file')
    ap.add_argument('--pid-file')
    ap.add_argument('--lifetime', type=int, default=1800)
    args = ap.parse_args()
    with open(args.answers) as f:
        Handler.answers = json.load(f)
    Handler.empty = args.empty
    server = http.server.ThreadingHTTPServer((args.bind, args.port), Handler)
    if args.pid_file:
        with open(args.pid_file, 'w') as f:
            f.write('%d\n' % os.getpid())
    if args.port_file:
        tmp = args.port_file + '.tmp'
        with open(tmp, 'w') as f:
            f.write('%d\n' % server.server_address[1])
        os.rename(tmp, args.port_file)
    threading.Timer(args.lifetime, server.shutdown).start()
    server.serve_forever()


if __name__ == '__main__':
    main()
