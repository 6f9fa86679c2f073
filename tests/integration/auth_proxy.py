# Copyright (c) 2026, localllm maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""A tiny authenticating reverse proxy for the module integration tests (stdlib only, loopback only).

It stands in for the real gateway (roles/gateway) so the modules can be tested with credentials:
  /ollama/...   demands HTTP basic auth (--user/--password) or a bearer token (--token); answers 401 with
                WWW-Authenticate otherwise; strips the /ollama prefix and forwards to --upstream, streaming the
                answer line by line (NDJSON and SSE arrive as they are produced).
  /warming/...  answers 503 to the first --warm-up requests, then forwards without auth (a gateway whose upstream
                is still starting).
  /elsewhere/...  answers 302 to the same path on --upstream (another port, so another origin): a server that
                redirects clients elsewhere; the modules must not take their credentials there.
Anything else gets 404.
"""

from __future__ import annotations

import argparse
import base64
import http.client
import http.server
import socketserver
import sys
import threading
import urllib.parse

HOP_BY_HOP = {'connection', 'keep-alive', 'proxy-authenticate', 'proxy-authorization', 'te', 'trailers',
              'transfer-encoding', 'upgrade', 'content-length', 'host', 'authorization'}


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = 'HTTP/1.0'  # no keep-alive: the body ends when the connection closes
    upstream = None
    user = password = token = None
    warm_up = 0
    warm_lock = threading.Lock()

    def log_message(self, fmt, *args):  # quiet unless asked
        if self.server.verbose:
            sys.stderr.write('proxy: ' + (fmt % args) + '\n')

    def _plain(self, status, text, headers=None):
        body = text.encode()
        self.send_response(status)
        self.send_header('Content-Type', 'text/plain; charset=utf-8')
        self.send_header('Content-Length', str(len(body)))
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        if self.command != 'HEAD':
            self.wfile.write(body)

    def _authorized(self):
        got = self.headers.get('Authorization', '')
        if self.token and got == 'Bearer %s' % self.token:
            return True
        if self.user is not None:
            want = 'Basic ' + base64.b64encode(('%s:%s' % (self.user, self.password)).encode()).decode()
            if got == want:
                return True
        return False

    def _handle(self):
        path = self.path
        if path.startswith('/ollama/') or path == '/ollama':
            if not self._authorized():
                return self._plain(401, '401 Authorization Required\n', {'WWW-Authenticate': 'Basic realm="ollama"'})
            rest = path[len('/ollama'):] or '/'
        elif path.startswith('/elsewhere/'):
            return self._plain(302, 'moved\n', {'Location': self.upstream + path[len('/elsewhere'):]})
        elif path.startswith('/warming/') or path == '/warming':
            with self.warm_lock:
                if Handler.warm_up > 0:
                    Handler.warm_up -= 1
                    return self._plain(503, '503 Service Temporarily Unavailable\n')
            rest = path[len('/warming'):] or '/'
        else:
            return self._plain(404, '404 Not Found\n')
        length = int(self.headers.get('Content-Length') or 0)
        body = self.rfile.read(length) if length else None
        up = urllib.parse.urlsplit(self.upstream)
        conn = http.client.HTTPConnection(up.hostname, up.port, timeout=600)
        headers = dict((k, v) for k, v in self.headers.items() if k.lower() not in HOP_BY_HOP)
        headers['Host'] = up.netloc  # like proxy_set_header Host: Ollama on loopback refuses foreign hosts
        try:
            conn.request(self.command, rest, body=body, headers=headers)
            resp = conn.getresponse()
        except OSError as e:
            return self._plain(502, '502 Bad Gateway: %s\n' % e)
        self.send_response(resp.status, resp.reason)
        for k, v in resp.getheaders():
            if k.lower() not in HOP_BY_HOP:
                self.send_header(k, v)
        self.end_headers()
        try:
            while True:
                line = resp.readline()
                if not line:
                    break
                self.wfile.write(line)
                self.wfile.flush()
        except (BrokenPipeError, ConnectionResetError):
            pass
        finally:
            conn.close()

    do_GET = do_POST = do_DELETE = do_HEAD = do_PUT = do_OPTIONS = _handle


class Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    verbose = False


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('--port', type=int, required=True)
    p.add_argument('--upstream', required=True, help='for example http://127.0.0.1:11434')
    p.add_argument('--user', default='ansible')
    p.add_argument('--password', required=True)
    p.add_argument('--token', required=True)
    p.add_argument('--warm-up', type=int, default=3, help='how many /warming requests get 503 first')
    p.add_argument('--verbose', action='store_true')
    a = p.parse_args(argv)
    Handler.upstream = a.upstream
    Handler.user, Handler.password, Handler.token = a.user, a.password, a.token
    Handler.warm_up = a.warm_up
    srv = Server(('127.0.0.1', a.port), Handler)
    srv.verbose = a.verbose
    sys.stderr.write('auth proxy listening on 127.0.0.1:%d -> %s\n' % (a.port, a.upstream))
    sys.stderr.flush()
    try:
        srv.serve_forever(poll_interval=0.2)
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == '__main__':
    import signal

    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    sys.exit(main())
