"""Registry v2 client for /api/pull (ollama-server.md §5.3) with Go's proxy rules (§1.6)."""
from __future__ import annotations

import base64
import hashlib
import http.client
import ipaddress
import json
import os
import random
import socket
import ssl
import threading
import time
import urllib.parse

from . import envconfig, store as store_mod

PROGRESS_INTERVAL = 0.06  # §5.3: progress roughly every 60 ms


class PullError(Exception):
    pass


# --- proxies: golang.org/x/net/http/httpproxy transcribed (ollama-server.md §1.6) --------------------


def _env_any(*keys):
    for k in keys:
        v = os.environ.get(k, "")
        if v:
            return v
    return ""


def _parse_proxy(value):
    if not value:
        return None
    u = urllib.parse.urlsplit(value)
    if not u.scheme or not u.netloc:
        u = urllib.parse.urlsplit("http://" + value)
    return u


def _split_host_port(addr):
    if addr.startswith("["):
        end = addr.find("]")
        if end < 0 or not addr[end + 1:].startswith(":"):
            return None
        return addr[1:end], addr[end + 2:]
    if addr.count(":") != 1:
        return None
    return tuple(addr.split(":"))


def _ip(text):
    """net.ParseIP, compared the way Go compares: an IPv4-mapped IPv6 address is that IPv4 address (To4)."""
    try:
        ip = ipaddress.ip_address(text)
    except ValueError:
        return None
    if ip.version == 6 and ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    return ip


def use_proxy(addr, no_proxy):
    """httpproxy.config.useProxy: False when the address must be reached directly."""
    if not addr:
        return True
    hp = _split_host_port(addr)
    if hp is None:
        return False
    host, port = hp
    if host == "localhost":
        return False
    ip = _ip(host)
    if ip is not None and ip.is_loopback:
        return False  # Go never proxies loopback
    host = host.strip().lower()
    for p in no_proxy.split(","):
        p = p.strip().lower()
        if not p:
            continue
        if p == "*":
            return False
        if "/" in p:
            try:
                net = ipaddress.ip_network(p, strict=False)
            except ValueError:
                net = None
            if net is not None:
                if ip is not None and ip in net:
                    return False
                continue
        sp = _split_host_port(p)
        if sp is not None:
            phost, pport = sp
            if not phost:
                continue
        else:
            phost, pport = p, ""
        pip = _ip(phost.strip("[]"))
        if pip is not None:
            if ip is not None and ip == pip and (not pport or pport == port):
                return False
            continue
        if phost.startswith("*."):
            phost = phost[1:]
        match_host = False
        if not phost.startswith("."):
            match_host = True
            phost = "." + phost
        if host.endswith(phost) or (match_host and host == phost[1:]):
            if not pport or pport == port:
                return False
    return True


def proxy_for(url, environ=None):
    """ProxyFromEnvironment: returns the proxy URL (SplitResult) for url, or None."""
    if environ is not None:
        saved = dict(os.environ)
        os.environ.clear()
        os.environ.update(environ)
    try:
        http_proxy = _parse_proxy(_env_any("HTTP_PROXY", "http_proxy"))
        https_proxy = _parse_proxy(_env_any("HTTPS_PROXY", "https_proxy"))
        no_proxy = _env_any("NO_PROXY", "no_proxy")
    finally:
        if environ is not None:
            os.environ.clear()
            os.environ.update(saved)
    u = urllib.parse.urlsplit(url)
    proxy = https_proxy if u.scheme == "https" else http_proxy if u.scheme == "http" else None
    if proxy is None:
        return None
    port = u.port or (443 if u.scheme == "https" else 80)
    host = u.hostname or ""
    addr = ("[%s]:%d" % (host, port)) if ":" in host else ("%s:%d" % (host, port))
    return proxy if use_proxy(addr, no_proxy) else None


class Response:
    def __init__(self, conn, resp, url, method):
        self.conn = conn
        self.resp = resp
        self.status = resp.status
        self.url = url  # the URL of the request this answers (Go's resp.Request.URL)
        self.method = method

    def getheader(self, name, default=None):
        return self.resp.getheader(name, default)

    def read(self, n=None):
        return self.resp.read() if n is None else self.resp.read(n)

    def close(self):
        self.conn.close()


def go_hostname(url):
    """url.URL.Hostname(): the host without port and brackets, as written (Go does not lower-case it)."""
    netloc = urllib.parse.urlsplit(url).netloc.rpartition("@")[2]
    if netloc.startswith("["):
        return netloc[1:].partition("]")[0]
    return netloc.partition(":")[0]


def _request_url_and_host(u):
    """What a direct connection dials, and the Host header Go sends (req.URL.Host)."""
    host = u.hostname or ""
    ip = _ip(host)
    # Go dials an IPv4-mapped IPv6 literal ([::ffff:a.b.c.d]) over IPv4 (favoriteAddrFamily); Python would need IPv6.
    dial = str(ip) if ip is not None and ip.version == 4 and ":" in host else host
    return dial, u.netloc.rpartition("@")[2]


def http_get(url, headers=None, timeout=30, method="GET", check_redirect=None, _via=0, body=None):
    """One request through the proxy Go would choose; follows redirects like net/http's Client.

    check_redirect(next_url, via) is Go's Client.CheckRedirect: it returns None to follow, "stop" for
    http.ErrUseLastResponse (the redirect response itself is returned), or raises PullError.
    body (bytes or an iterable of bytes, for push; give Content-Length in headers for an iterable) is sent as is. A
    request with a body is never redirected: the redirect answer is returned, as Go does for a body it cannot rewind
    (upstream's uploads stream the blob file); the registries we talk to answer uploads with 202/201."""
    u = urllib.parse.urlsplit(url)
    proxy = proxy_for(url)
    hdrs = {"User-Agent": "ollama/%s (amd64 linux) Go/go1.24.0" % _version()}
    hdrs.update(headers or {})
    port = u.port or (443 if u.scheme == "https" else 80)
    path = u.path + ("?" + u.query if u.query else "")
    try:
        if proxy is not None:
            pport = proxy.port or (443 if proxy.scheme == "https" else 80)
            if proxy.username:
                cred = "%s:%s" % (urllib.parse.unquote(proxy.username), urllib.parse.unquote(proxy.password or ""))
                auth = {"Proxy-Authorization": "Basic " + base64.b64encode(cred.encode()).decode()}
            else:
                auth = {}
            if u.scheme == "https":
                conn = http.client.HTTPSConnection(proxy.hostname, pport, timeout=timeout)
                conn.set_tunnel(u.hostname, port, headers=auth)
                conn.request(method, path, body=body, headers=hdrs)
            else:
                conn = http.client.HTTPConnection(proxy.hostname, pport, timeout=timeout)
                hdrs.update(auth)
                conn.request(method, url, body=body, headers=hdrs)
        else:
            cls = http.client.HTTPSConnection if u.scheme == "https" else http.client.HTTPConnection
            dial, host_header = _request_url_and_host(u)
            conn = cls(dial, port, timeout=timeout)
            if dial != u.hostname:
                hdrs["Host"] = host_header
            conn.request(method, path, body=body, headers=hdrs)
        resp = conn.getresponse()
    except (OSError, http.client.HTTPException) as e:
        raise PullError('%s "%s": %s' % (method.capitalize(), url, _go_net_error(e, u.hostname, port, proxy)))
    loc = resp.getheader("Location", "")
    if resp.status in (301, 302, 303, 307, 308) and loc and body is None:
        nxt = urllib.parse.urljoin(url, loc)
        if check_redirect is not None:
            if check_redirect(nxt, _via + 1) == "stop":
                return Response(conn, resp, url, method)
        elif _via + 1 >= 10:
            conn.close()
            raise PullError('%s "%s": stopped after 10 redirects' % (method.capitalize(), nxt))
        conn.close()
        return http_get(nxt, headers, timeout, method=method, check_redirect=check_redirect, _via=_via + 1)
    return Response(conn, resp, url, method)


def _go_net_error(e, host, port, proxy):
    if isinstance(e, ssl.SSLError) and getattr(e, "reason", None) in _PLAIN_HTTP_SSL_REASONS:
        return _errtext(e)
    if proxy is not None:
        return "proxyconnect tcp: dial tcp %s:%s: %s" % (proxy.hostname, proxy.port or 80, _errtext(e))
    if isinstance(e, socket.gaierror):
        return "dial tcp: lookup %s: no such host" % host
    return "dial tcp %s:%s: %s" % (host, port, _errtext(e))


# OpenSSL's reasons for a TLS handshake that got a plain-HTTP answer (its record header reads "HTTP/")
_PLAIN_HTTP_SSL_REASONS = ("WRONG_VERSION_NUMBER", "RECORD_LAYER_FAILURE", "PACKET_LENGTH_TOO_LONG", "HTTP_REQUEST")


def _errtext(e):
    if isinstance(e, ssl.SSLError) and getattr(e, "reason", None) in _PLAIN_HTTP_SSL_REASONS:
        # Go's transport recognises the HTTP answer in the TLS record header (an https URL for an http registry)
        return "http: server gave HTTP response to HTTPS client"
    if isinstance(e, ConnectionRefusedError):
        return "connect: connection refused"
    if isinstance(e, socket.timeout):
        return "i/o timeout"
    return str(e).lower()


def _version():
    from . import VERSION
    return VERSION


# --- the pull itself ------------------------------------------------------------------------------


def pull_model(store, name, insecure, emit, cancelled=lambda: False):
    """PullModel: emits ProgressResponse dicts; raises PullError on failure (ollama-server.md §5.3)."""
    emit({"status": "pulling manifest"})
    if name.scheme == "http" and not insecure:
        raise PullError("insecure protocol http")
    scheme = "http" if insecure else "https"
    base = "%s://%s/v2/%s/%s" % (scheme, name.host, name.namespace, name.model)
    old = None
    existing = store.find(name)
    if existing is not None:
        try:
            old = json.loads(store.read_manifest(existing))
        except (OSError, ValueError):
            old = None
    try:
        resp = http_get("%s/manifests/%s" % (base, name.tag), {"Accept": store_mod.MT_MANIFEST})
    except PullError as e:
        raise PullError("pull model manifest: %s" % e)
    body = resp.read()
    resp.close()
    if resp.status == 404:
        raise PullError("pull model manifest: file does not exist")
    if resp.status != 200:
        raise PullError("pull model manifest: %d: %s" % (resp.status, body.decode("utf-8", "replace")))  # Go keeps the body as sent
    try:
        manifest = json.loads(body)
        layers = list(manifest.get("layers") or []) + [manifest["config"]]
    except (ValueError, KeyError, TypeError):
        raise PullError("pull model manifest: invalid manifest")
    for layer in layers:
        _download(store, base, layer, emit, cancelled)
    emit({"status": "verifying sha256 digest"})
    for layer in layers:
        h = hashlib.sha256()
        with open(store.blob_path(layer["digest"]), "rb") as f:
            for chunk in iter(lambda: f.read(1 << 20), b""):
                h.update(chunk)
        if "sha256:" + h.hexdigest() != layer["digest"]:
            os.remove(store.blob_path(layer["digest"]))
            raise PullError("digest mismatch, file must be downloaded again")
    emit({"status": "writing manifest"})
    store.write_manifest(name if existing is None else existing, body)
    if old is not None and not envconfig.bool_env("OLLAMA_NOPRUNE"):
        new_digests = {x["digest"] for x in layers}
        old_digests = {x.get("digest") for x in (old.get("layers") or []) + [old.get("config") or {}]}
        if old_digests - new_digests:
            emit({"status": "removing unused layers"})  # §5.3 step 5
            store.prune()
    emit({"status": "success"})


def _progress(layer, completed):
    d = layer["digest"]
    msg = {"status": "pulling %s" % d.split(":", 1)[-1][:12], "digest": d, "total": int(layer["size"])}
    if completed:
        msg["completed"] = completed
    return msg


# server/download.go: parts of total/16 bytes, at least 100 MB and at most 1000 MB (format.MegaByte = 1000*1000)
NUM_DOWNLOAD_PARTS = 16
MIN_PART_SIZE = 100 * 1000 * 1000
MAX_PART_SIZE = 1000 * 1000 * 1000
DIRECT_URL_TIMEOUT = 30.0


def _registry_request(method, url, headers=None, check_redirect=None, timeout=60):
    """makeRequestWithRetry: 404 is os.ErrNotExist, any other status >= 400 an error with the body as sent."""
    resp = http_get(url, headers, timeout=timeout, method=method, check_redirect=check_redirect)
    if resp.status == 404:
        resp.close()
        raise PullError("file does not exist")
    if resp.status >= 400:
        body = resp.read() if method != "HEAD" else b""
        resp.close()
        raise PullError("%d: %s" % (resp.status, body.decode("utf-8", "replace")))
    return resp


def direct_url(request_url, cancelled=lambda: False, deadline_s=DIRECT_URL_TIMEOUT):
    """blobDownload.run's directURL (server/download.go, v0.32.15).

    GET the registry's blob URL, following redirects only while they stay on the same host NAME (Hostname(), the
    port does not count) and stopping at the first one to another name (http.ErrUseLastResponse). That answer must
    be 307 or 200, and its Location is where the bytes come from: a 200 (a registry that serves blobs itself) fails
    with Go's "http: no Location header in response". Request errors are retried with backoff for 30 s."""
    origin = go_hostname(request_url)

    def check_redirect(nxt, via):
        if via > 10:
            raise PullError('Get "%s": maximum redirects exceeded (10) for directURL' % nxt)
        return None if go_hostname(nxt) == origin else "stop"

    deadline = time.monotonic() + deadline_s
    n = 0
    while True:
        if cancelled():
            raise PullError("context canceled")
        try:
            resp = _registry_request("GET", request_url, check_redirect=check_redirect, timeout=max(1.0, deadline - time.monotonic()))
        except PullError:
            # slog "failed to get direct URL; backing off and retrying": n^2 * 10 ms, at most 10 s, jittered 0.5-1.5x
            n += 1
            delay = min(n * n * 0.01, 10.0) * (random.random() + 0.5)
            if time.monotonic() + delay >= deadline:
                time.sleep(max(0.0, deadline - time.monotonic()))
                raise PullError("context deadline exceeded")
            time.sleep(delay)
            continue
        resp.close()
        if resp.status not in (307, 200):
            raise PullError("unexpected status code %d" % resp.status)
        loc = resp.getheader("Location", "")
        if not loc:
            raise PullError("http: no Location header in response")  # net/http ErrNoLocation from resp.Location()
        return urllib.parse.urljoin(resp.url, loc)


def _parts(total):
    size = min(max(total // NUM_DOWNLOAD_PARTS, MIN_PART_SIZE), MAX_PART_SIZE)
    return [(off, min(size, total - off)) for off in range(0, total, size)]


def _download(store, base, layer, emit, cancelled):
    """downloadBlob (server/download.go): HEAD for the size, the direct URL, then byte ranges from it.

    Simplified: the parts are fetched one after the other and a failed part is not retried."""
    digest = layer["digest"]
    if store.has_blob(digest, int(layer["size"])):
        emit(_progress(layer, int(layer["size"])))  # §5.3: a blob already on disk gives one line with completed == total
        return
    request_url = "%s/blobs/%s" % (base, digest)
    # Prepare: HEAD with the default redirect policy (any host); Total is the final answer's Content-Length
    resp = _registry_request("HEAD", request_url)
    resp.close()
    try:
        total = int(resp.getheader("Content-Length") or "")
    except ValueError:
        total = 0  # Go ignores strconv.ParseInt's error
    target = direct_url(request_url, cancelled)
    layer = dict(layer, size=total)
    path = store.blob_path(digest)
    tmp = "%s-partial-%d-%d" % (path, os.getpid(), threading.get_ident())  # concurrent pulls never share a partial file
    done = 0
    last = 0.0
    emit(_progress(layer, 0))
    try:
        with open(tmp, "wb") as f:
            for offset, size in _parts(total):
                # downloadChunk: http.DefaultClient (proxy from the environment, any redirect), status not checked
                try:
                    part = http_get(target, {"Range": "bytes=%d-%d" % (offset, offset + size - 1)}, timeout=60)
                except PullError as e:
                    raise PullError(str(e))
                try:
                    if part.status >= 400:
                        raise PullError("%d: %s" % (part.status, part.read().decode("utf-8", "replace").strip()))
                    f.seek(offset)
                    got = 0
                    while got < size:
                        if cancelled():
                            raise PullError("context canceled")
                        chunk = part.read(min(256 * 1024, size - got))
                        if not chunk:
                            break
                        f.write(chunk)
                        got += len(chunk)
                        done += len(chunk)
                        now = time.monotonic()
                        if now - last >= PROGRESS_INTERVAL:
                            last = now
                            emit(_progress(layer, done))
                finally:
                    part.close()
    except (OSError, http.client.HTTPException) as e:
        raise PullError("%s: %s" % (digest, e))
    if done != total:
        raise PullError("digest mismatch, file must be downloaded again")
    os.replace(tmp, path)
    emit(_progress(layer, done))
