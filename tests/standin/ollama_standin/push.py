"""Registry v2 uploads for /api/push (ollama-server.md §5.2), after upstream's PushModel (server/images.go) and
uploadBlob (server/upload.go), with the proxy rules and error texts of pull.py.

Per layer (every layer, then the config): HEAD /v2/<ns>/<model>/blobs/<digest> (default redirect policy); any
answer but 404 means the registry has it: one progress line with completed == total. Otherwise POST
/v2/<ns>/<model>/blobs/uploads/ -> Location (or Docker-Upload-Location); PATCH the blob in parts (total/64, at least
100 MB, at most 1000 MB: one part below 200 MB) with Content-Range and X-Redirect-Uploads: 1, each answer naming the
next URL; then PUT <last URL>&digest=<digest>&etag=<md5 of the parts' md5s>-<parts> with an empty body. Finally PUT
/v2/<ns>/<model>/manifests/<tag> with the manifest file's bytes (upstream sends json.Marshal of the manifest it read,
which gives back the same bytes for a manifest that Ollama wrote), so the registry's digest is the local digest.

Simplified: blobs and parts are sent one after the other (upstream: two parts at a time), a failed request is not
retried (upstream: up to 6 times with back-off), cross-repository mounts, bearer tokens and registry.ollama.ai's redirected
uploads (307 from a PATCH) are not implemented: the stand-in never pushes to upstream's registry.
"""
from __future__ import annotations

import hashlib
import json
import os
import time
import urllib.parse

from . import envconfig, names, store as store_mod
from .pull import PROGRESS_INTERVAL, PullError, http_get

# server/upload.go: numUploadParts, minUploadPartSize, maxUploadPartSize (format.MegaByte = 1000*1000)
NUM_UPLOAD_PARTS = 64
MIN_UPLOAD_PART_SIZE = 100 * 1000 * 1000
MAX_UPLOAD_PART_SIZE = 1000 * 1000 * 1000
READ_SIZE = 256 * 1024


def upload_parts(total):
    """blobUpload.Prepare's parts: (offset, size) pairs."""
    size = min(max(total // NUM_UPLOAD_PARTS, MIN_UPLOAD_PART_SIZE), MAX_UPLOAD_PART_SIZE)
    return [(off, min(size, total - off)) for off in range(0, total, size)]


def _progress(digest, total, completed):
    msg = {"status": "pushing %s" % digest[7:19], "digest": digest}
    if total:
        msg["total"] = total
    if completed:
        msg["completed"] = completed  # api.ProgressResponse: total/completed are omitempty
    return msg


def _http_url(url, insecure):
    """makeRequest: with Insecure an https URL is sent as http."""
    if insecure and url.startswith("https://"):
        return "http://" + url[len("https://"):]
    return url


def _request(method, url, insecure, headers=None, body=None, timeout=60):
    """makeRequestWithRetry: 404 is os.ErrNotExist, any other status >= 400 an error with the body as sent."""
    url = _http_url(url, insecure)
    if not urllib.parse.urlsplit(url).scheme:
        raise PullError('%s "%s": unsupported protocol scheme ""' % (method.capitalize(), url))
    resp = http_get(url, headers, timeout=timeout, method=method, body=body)
    data = resp.read() if method != "HEAD" else b""
    resp.close()
    if resp.status == 404:
        raise PullError("file does not exist")
    if resp.status == 401:
        raise PullError(_auth_error(resp.getheader("WWW-Authenticate", ""), urllib.parse.urlsplit(url).netloc))
    if resp.status >= 400:
        raise PullError("%d: %s" % (resp.status, data.decode("utf-8", "replace")))
    return resp


def _challenge_value(header, key):
    """getValue (server/images.go): the quoted value after key=, up to a quote followed by a comma or the end."""
    start = header.find(key + "=")
    if start < 0:
        return ""
    start += len(key) + 2
    end = start
    while end < len(header):
        if header[end] == '"' and (end + 1 >= len(header) or header[end + 1] == ","):
            break
        end += 1
    return header[start:end]


def _auth_error(header, host):
    """A 401: upstream asks the challenge's realm for a token, but first checks that the realm is on the registry's host.
    A registry with basic auth (`Basic realm="x"`) fails that check; Ollama's push sends no user name or password.
    The stand-in cannot sign token requests, so a realm on the same host fails with errUnauthorized."""
    realm = _challenge_value(header[len("Bearer "):] if header.startswith("Bearer ") else header, "realm")
    realm_host = urllib.parse.urlsplit(realm).netloc
    if realm_host != host:
        return 'realm host "%s" does not match original host "%s"' % (realm_host, host)
    return "unauthorized: access denied"


def _upload_location(resp):
    return resp.getheader("Docker-Upload-Location") or resp.getheader("Location") or ""


def upload_blob(store, base, layer, insecure, emit, cancelled=lambda: False):
    """uploadBlob: skip a blob the registry has, else POST + PATCH part(s) + PUT ?digest=."""
    digest = layer["digest"]
    size = int(layer.get("size") or 0)
    try:
        _request("HEAD", "%s/blobs/%s" % (base, digest), insecure)
        emit(_progress(digest, size, size))  # the registry has it (HEAD answered, redirects followed)
        return False
    except PullError as e:
        if str(e) != "file does not exist":
            raise
    resp = _request("POST", "%s/blobs/uploads/" % base, insecure)
    location = _upload_location(resp)
    path = store.blob_path(digest)
    try:
        total = os.stat(path).st_size
    except OSError as e:
        raise PullError("stat %s: %s" % (path, store_mod.go_strerror(e)))
    if resp.status == 201:  # the registry mounted the blob
        emit(_progress(digest, total, total))
        return False
    state = {"completed": 0, "last": time.monotonic()}
    emit(_progress(digest, total, 0))

    def reader(f, offset, length, md5):
        f.seek(offset)
        left = length
        while left > 0:
            if cancelled():
                raise PullError("context canceled")
            chunk = f.read(min(READ_SIZE, left))
            if not chunk:
                raise PullError("unexpected EOF")
            md5.update(chunk)
            left -= len(chunk)
            state["completed"] += len(chunk)
            now = time.monotonic()
            if now - state["last"] >= PROGRESS_INTERVAL:  # blobUpload.Wait ticks every 60 ms
                state["last"] = now
                emit(_progress(digest, total, state["completed"]))
            yield chunk

    part_sums = []
    with open(path, "rb") as f:
        for offset, length in upload_parts(total):
            url = _http_url(location, insecure)
            if not urllib.parse.urlsplit(url).scheme:
                raise PullError('Patch "%s": unsupported protocol scheme ""' % url)
            md5 = hashlib.md5()
            headers = {"Content-Type": "application/octet-stream", "Content-Length": str(length),
                       "X-Redirect-Uploads": "1", "Content-Range": "%d-%d" % (offset, offset + length - 1)}
            part = http_get(url, headers, timeout=300, method="PATCH", body=reader(f, offset, length, md5))
            body = part.read()
            part.close()
            if part.status >= 400:
                # uploadPart: fmt.Errorf("http status %s: %s", resp.Status, body)
                raise PullError("http status %d %s: %s" % (part.status, part.resp.reason, body.decode("utf-8", "replace")))
            location = _upload_location(part)
            part_sums.append(md5.digest())
    # Run: the commit names the digest and an S3-style etag, Go's url.Values.Encode (sorted keys)
    u = urllib.parse.urlsplit(_http_url(location, insecure))
    query = urllib.parse.parse_qsl(u.query, keep_blank_values=True)
    query += [("digest", digest), ("etag", "%s-%d" % (hashlib.md5(b"".join(part_sums)).hexdigest(), len(part_sums)))]
    commit = urllib.parse.urlunsplit(u._replace(query=urllib.parse.urlencode(sorted(query, key=lambda kv: kv[0]))))
    _request("PUT", commit, insecure, {"Content-Type": "application/octet-stream", "Content-Length": "0"})
    emit(_progress(digest, total, state["completed"]))
    return True


def push_model(store, name, insecure, emit, cancelled=lambda: False):
    """PushModel: emits ProgressResponse dicts; raises PullError on failure."""
    emit({"status": "retrieving manifest"})
    if name.scheme == "http" and not insecure:
        raise PullError("insecure protocol http")
    found = store.find(name) or name
    path = store.manifest_path(found)
    try:
        with open(path, "rb") as f:
            data = f.read()
        manifest = json.loads(data)
        layers = list(manifest.get("layers") or [])
        if (manifest.get("config") or {}).get("digest"):
            layers.append(manifest["config"])
    except OSError as e:
        emit({"status": "couldn't retrieve manifest"})
        raise PullError("open %s: %s" % (path, store_mod.go_strerror(e)))
    except (ValueError, AttributeError, TypeError) as e:
        emit({"status": "couldn't retrieve manifest"})
        raise PullError("invalid manifest %s: %s" % (path, e))
    scheme = "http" if insecure else (name.scheme or "https")
    base = "%s://%s/v2/%s/%s" % (scheme, name.host, name.namespace, name.model)
    if name.host.lower() == names.DEFAULT_HOST and not envconfig.bool_env("OLLAMA_STANDIN_ALLOW_DEFAULT_REGISTRY"):
        # The stand-in never contacts upstream's registry (README "What it is not").
        raise PullError('Head "%s/blobs/%s": dial tcp: lookup %s: no such host'
                        % (base, layers[0]["digest"] if layers else "", name.host))
    for layer in layers:
        upload_blob(store, base, layer, insecure, emit, cancelled)
    emit({"status": "pushing manifest"})
    _request("PUT", "%s/manifests/%s" % (base, name.tag), insecure, {"Content-Type": store_mod.MT_MANIFEST}, body=data)
    emit({"status": "success"})
