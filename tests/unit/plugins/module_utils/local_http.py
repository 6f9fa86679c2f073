# Copyright (c) 2026, localllm maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""A real HTTP server on 127.0.0.1 (a random port: one port is one origin) that records what it receives.

Used by the redirect and credential tests: open_url is NOT patched there, the requests really go over loopback."""

from __future__ import annotations

import http.server
import json
import threading


class Recorder(object):
    """One HTTP origin. routes: {(METHOD, path): (status, headers, body)}; every request is recorded with its
    Authorization header."""

    def __init__(self):
        self.routes = {}
        self.requests = []
        recorder = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = 'HTTP/1.0'

            def log_message(self, fmt, *args):
                pass

            def _answer(self):
                length = int(self.headers.get('Content-Length') or 0)
                if length:
                    self.rfile.read(length)
                recorder.requests.append({'method': self.command, 'path': self.path,
                                          'authorization': self.headers.get('Authorization')})
                status, headers, body = recorder.routes.get((self.command, self.path),
                                                            (404, {}, {'error': 'not found'}))
                data = json.dumps(body).encode() if isinstance(body, (dict, list)) else (body or b'')
                self.send_response(status)
                for key, value in headers.items():
                    self.send_header(key, value)
                self.send_header('Content-Length', str(len(data)))
                self.end_headers()
                if self.command != 'HEAD':
                    self.wfile.write(data)

            do_GET = do_POST = do_HEAD = do_DELETE = _answer

        self.server = http.server.ThreadingHTTPServer(('127.0.0.1', 0), Handler)
        self.port = self.server.server_address[1]
        self.url = 'http://127.0.0.1:%d' % self.port
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={'poll_interval': 0.05},
                                       daemon=True)
        self.thread.start()

    def route(self, method, path, status=200, body=None, headers=None):
        self.routes[(method, path)] = (status, headers or {}, body if body is not None else {})
        return self

    def redirect(self, method, path, location, status=302):
        return self.route(method, path, status, b'', {'Location': location})

    def authorizations(self):
        return [r['authorization'] for r in self.requests]

    def close(self):
        self.server.shutdown()
        self.server.server_close()
