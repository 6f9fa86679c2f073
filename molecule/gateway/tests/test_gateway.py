# -*- coding: utf-8 -*-
# Copyright (c) 2026, localllm maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Verify the gateway scenario: curl/openssl from the client container, the official ollama and openai clients
from the controller (TLS verified against pebble's root), files and certbot on the gateway.

Traffic goes only to this scenario's containers. Tests run in file order; the rate-limit burst comes last among
the client tests so it cannot starve the others (the controller's address is exempt from the limit).
"""

from __future__ import annotations

import json
import os
import socket
import ssl
import statistics
import stat
import subprocess
import time

import pytest
import testinfra

testinfra_hosts = ["gateway-client"]

NAME = "gw.gateway.test"
URL = "https://" + NAME
MODEL = "127.0.0.1:5000/library/tinyllama:latest"
APP_KEY = "app-0123456789abcdef0123456789abcdef"
OPS_KEY = "ops-0123456789abcdef0123456789abcdef"
SECRETS = [APP_KEY, OPS_KEY, "alice-password-1", "root-admin-password-1"]
ROOT_PEM = "/root/pebble-root.pem"


def _docker_host(name):
    return testinfra.get_host("docker://" + name)


def _container_ip(name):
    out = subprocess.run(
        ["docker", "inspect", "-f", "{{range .NetworkSettings.Networks}}{{.IPAddress}} {{end}}", name],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.split()
    return out[0]


@pytest.fixture(scope="module")
def gw():
    return _docker_host("gateway-gw")


@pytest.fixture(scope="module")
def backend():
    return _docker_host("gateway-backend")


@pytest.fixture(scope="module")
def root_pem(host):
    """Pebble's issuing root changes on every pebble start: fetch it from the management API."""
    host.run_expect([0], "curl -sSk -o %s https://acme.gateway.test:15000/roots/0" % ROOT_PEM)
    text = host.file(ROOT_PEM).content_string
    assert "BEGIN CERTIFICATE" in text
    return text


def curl(host, path, *args, method="GET"):
    """HTTP status of a request from the client container, TLS verified against pebble's root."""
    cmd = "curl -sS -o /dev/null -w '%%{http_code}' --max-time 30 --cacert %s -X %s %s '%s%s'" % (
        ROOT_PEM,
        method,
        " ".join(args),
        URL,
        path,
    )
    result = host.run(cmd)
    assert result.rc == 0, result.stderr
    return int(result.stdout)


BEARER_APP = "-H 'Authorization: Bearer %s'" % APP_KEY
BEARER_OPS = "-H 'Authorization: Bearer %s'" % OPS_KEY


# --- authentication ---------------------------------------------------------------------------------------
def test_no_credentials_is_401(host, root_pem):
    assert curl(host, "/api/tags") == 401


def test_wrong_password_is_401(host, root_pem):
    assert curl(host, "/api/tags", "-u alice:wrong-password") == 401


def test_wrong_key_is_401(host, root_pem):
    assert curl(host, "/api/tags", "-H 'Authorization: Bearer app-not-the-right-key-0000000000000000'") == 401


def test_basic_auth_is_200(host, root_pem):
    assert curl(host, "/api/tags", "-u alice:alice-password-1") == 200


def test_bearer_key_is_200(host, root_pem):
    assert curl(host, "/api/tags", BEARER_APP) == 200


def test_bearer_scheme_is_case_insensitive_but_key_is_not(host, root_pem):
    assert curl(host, "/api/tags", "-H 'Authorization: bearer %s'" % APP_KEY) == 200
    assert curl(host, "/api/tags", "-H 'Authorization: Bearer %s'" % APP_KEY.upper()) == 401


def test_cors_preflight_passes_without_credentials(host, root_pem):
    headers = host.check_output(
        "curl -sS -D - -o /dev/null --cacert %s -X OPTIONS -H 'Origin: http://localhost:3000' "
        "-H 'Access-Control-Request-Method: POST' %s/api/chat" % (ROOT_PEM, URL)
    )
    assert headers.splitlines()[0].split()[1] == "204", headers
    assert "access-control-allow-origin: http://localhost:3000" in headers.lower()


def test_401_advertises_both_schemes(host, root_pem):
    headers = host.check_output("curl -sS -D - -o /dev/null --cacert %s %s/api/tags" % (ROOT_PEM, URL)).lower()
    assert headers.splitlines()[0].split()[1] == "401"
    assert "www-authenticate: basic" in headers
    assert 'www-authenticate: bearer realm="ollama gateway"' in headers


# --- admin scope ------------------------------------------------------------------------------------------
def test_non_admin_key_cannot_pull(host, root_pem):
    body = '-H \'Content-Type: application/json\' -d \'{"model": "%s", "insecure": true, "stream": false}\'' % MODEL
    assert curl(host, "/api/pull", BEARER_APP, body, method="POST") == 403


def test_non_admin_user_cannot_delete(host, root_pem):
    body = '-d \'{"model": "does-not-matter:latest"}\''
    assert curl(host, "/api/delete", "-u alice:alice-password-1", body, method="DELETE") == 403


def test_unknown_user_on_admin_endpoint_is_401(host, root_pem):
    assert curl(host, "/api/copy", "-u mallory:guess", "-d '{}'", method="POST") == 401
    assert curl(host, "/api/copy", "-u root-admin:wrong", "-d '{}'", method="POST") == 401


def test_admin_key_can_pull(host, root_pem):
    out = host.check_output(
        "curl -sS --max-time 120 --cacert %s -H 'Authorization: Bearer %s' -w '\\n%%{http_code}' "
        '-d \'{"model": "%s", "insecure": true, "stream": false}\' %s/api/pull' % (ROOT_PEM, OPS_KEY, MODEL, URL)
    )
    body, status = out.rsplit("\n", 1)
    assert status == "200", out
    assert json.loads(body)["status"] == "success"


def test_admin_user_can_copy(host, root_pem):
    body = '-d \'{"source": "%s", "destination": "gateway-copy:latest"}\'' % MODEL
    assert curl(host, "/api/copy", "-u root-admin:root-admin-password-1", body, method="POST") == 200


# --- TLS --------------------------------------------------------------------------------------------------
def test_http_redirects_to_https_except_acme_challenge(host, root_pem):
    # (issue #12: API paths over http now get an error instead of the redirect, see test_http_api_path_says_use_https)
    out = host.check_output("curl -sS -o /dev/null -w '%%{http_code} %%{redirect_url}' http://%s/index.html" % NAME)
    assert out == "301 https://%s/index.html" % NAME
    out = host.check_output("curl -sS -o /dev/null -w '%%{http_code}' http://%s/.well-known/acme-challenge/nope" % NAME)
    assert out == "404"


def test_hsts_header(host, root_pem):
    headers = host.check_output("curl -sS -D - -o /dev/null --cacert %s %s/api/tags" % (ROOT_PEM, URL)).lower()
    assert "strict-transport-security: max-age=31536000" in headers


def test_certificate_is_from_pebble(host, root_pem):
    out = host.check_output(
        "openssl s_client -connect %s:443 -servername %s -CAfile %s </dev/null 2>/dev/null" % (NAME, NAME, ROOT_PEM)
    )
    assert "Verify return code: 0 (ok)" in out
    assert "Pebble" in out


def test_tls_1_1_refused_1_2_accepted(host, root_pem):
    legacy = "-tls1_1 -cipher 'DEFAULT:@SECLEVEL=0'"
    # control: this openssl can speak TLS 1.1 when the server allows it (a local s_server), so the refusal
    # below is the gateway's doing and not the client's policy.
    server = host.run(
        "cd /tmp && openssl req -x509 -newkey rsa:2048 -nodes -keyout ctl.key -out ctl.pem -subj /CN=ctl -days 1 "
        ">/dev/null 2>&1 && (timeout 10 openssl s_server -accept 4433 -cert ctl.pem -key ctl.key -tls1_1 "
        "-cipher 'DEFAULT:@SECLEVEL=0' -www >/dev/null 2>&1 &) && sleep 1 && "
        "openssl s_client -connect 127.0.0.1:4433 %s </dev/null 2>&1" % legacy
    )
    assert server.rc == 0 and "TLSv1.1" in server.stdout, server.stdout
    refused = host.run("openssl s_client -connect %s:443 -servername %s %s </dev/null 2>&1" % (NAME, NAME, legacy))
    # a refused handshake still prints "Protocol : TLSv1.1" (the version it tried) but no cipher
    assert refused.rc != 0
    assert "Cipher is (NONE)" in refused.stdout, refused.stdout
    assert "Server certificate" not in refused.stdout
    ok = host.run(
        "openssl s_client -connect %s:443 -servername %s -tls1_2 -CAfile %s </dev/null 2>&1" % (NAME, NAME, ROOT_PEM)
    )
    assert ok.rc == 0 and "TLSv1.2" in ok.stdout


# --- access lists -----------------------------------------------------------------------------------------
def test_denied_address_is_403(backend):
    status = backend.check_output(
        "curl -sSk -o /dev/null -w '%%{http_code}' -H 'Authorization: Bearer %s' https://%s/api/tags" % (APP_KEY, NAME)
    )
    assert status == "403"


def test_denied_address_is_403_without_credentials_too(backend):
    """The access lists run before any credential check: no 401-vs-403 oracle for a blocked address."""
    for auth in ("", "-H 'Authorization: Bearer wrong-key-0123456789abcdef0123456789'", "-u alice:wrong"):
        status = backend.check_output("curl -sSk -o /dev/null -w '%%{http_code}' %s https://%s/api/tags" % (auth, NAME))
        assert status == "403", auth


# --- rate limit (last of the client tests) ----------------------------------------------------------------
def test_zz_burst_over_the_limit_is_429(host, root_pem):
    codes = host.check_output(
        "for i in $(seq 1 45); do curl -s -o /dev/null -w '%%{http_code}\\n' --cacert %s %s %s/api/version; done"
        % (ROOT_PEM, BEARER_APP, URL)
    ).split()
    assert "429" in codes, codes
    assert codes[0] == "200", codes
    assert set(codes) <= {"200", "429"}, codes


def test_zz_unauthenticated_burst_is_limited_too(host, root_pem):
    """Failed credentials count against the limit (auth runs after limit_req): keys cannot be guessed at full speed."""
    codes = host.check_output(
        "for i in $(seq 1 45); do curl -s -o /dev/null -w '%%{http_code}\\n' --cacert %s "
        "-H 'Authorization: Bearer wrong-key-0123456789abcdef0123456789' %s/api/version; done" % (ROOT_PEM, URL)
    ).split()
    assert "429" in codes, codes
    assert set(codes) <= {"401", "429"}, codes


# --- on the gateway ---------------------------------------------------------------------------------------
def test_access_log_is_json_with_principal_and_no_secret(gw):
    content = gw.file("/var/log/nginx/ollama-gateway.access.log").content_string
    lines = [json.loads(line) for line in content.splitlines() if line.strip()]
    principals = {entry["principal"] for entry in lines}
    assert {"key:app", "key:ops", "user:alice", "user:root-admin"} <= principals
    assert any(entry["status"] == 401 for entry in lines)
    for secret in SECRETS:
        assert secret not in content
    assert "authorization" not in content.lower()


def test_loopback_backend_enforces_the_host_check(gw):
    """The gateway host's own backend is bound to loopback: a public Host gets Ollama's empty 403 there."""
    public = gw.check_output(
        "curl -s -o /dev/null -w '%%{http_code}' -H 'Host: %s' http://127.0.0.1:11434/api/version" % NAME
    )
    assert public == "403"
    local = gw.check_output(
        "curl -s -o /dev/null -w '%{http_code}' -H 'Host: localhost:11434' http://127.0.0.1:11434/api/version"
    )
    assert local == "200"


def test_both_backends_served_requests(gw, backend):
    """least_conn spread the requests over the fleet, and the loopback-bound backend answered 200 (Host rewrite)."""
    backend_ip = backend.interface("eth0").addresses[0]
    entries = [
        json.loads(line)
        for line in gw.file("/var/log/nginx/ollama-gateway.access.log").content_string.splitlines()
        if line.strip()
    ]
    served = {(e["upstream"], e["upstream_status"]) for e in entries}
    assert ("127.0.0.1:11434", "200") in served, served
    assert (backend_ip + ":11434", "200") in served, served
    assert not any(e["upstream_status"] == "403" for e in entries)


def test_credential_files(gw):
    keys = gw.file("/etc/nginx/ollama-gateway/api-keys.map")
    assert keys.user == "root" and keys.mode == 0o600
    htpasswd = gw.file("/etc/nginx/ollama-gateway/htpasswd")
    assert htpasswd.user == "root" and htpasswd.group == "www-data" and htpasswd.mode == 0o640
    text = gw.check_output("cat /etc/nginx/ollama-gateway/htpasswd /etc/nginx/ollama-gateway/htpasswd-admin")
    assert "alice:$apr1$" in text
    assert "alice-password-1" not in text and "root-admin-password-1" not in text
    admin = gw.check_output("cat /etc/nginx/ollama-gateway/htpasswd-admin")
    assert admin.startswith("root-admin:") and "alice" not in admin


def test_vhost_managed_and_enabled(gw):
    vhost = gw.file("/etc/nginx/sites-enabled/ollama-gateway.conf")
    assert vhost.is_symlink
    assert "Ansible managed" in gw.file("/etc/nginx/sites-available/ollama-gateway.conf").content_string
    assert not gw.file("/etc/nginx/sites-enabled/default").exists


def test_certbot_renewal_setup(gw):
    assert gw.service("certbot.timer").is_enabled
    assert gw.file("/etc/letsencrypt/live/ollama-gateway/fullchain.pem").exists
    dropin = gw.file("/etc/systemd/system/certbot.service.d/ollama-gateway.conf").content_string
    assert "REQUESTS_CA_BUNDLE=/etc/letsencrypt/ollama-gateway-acme-ca.pem" in dropin
    renewal = gw.file("/etc/letsencrypt/renewal/ollama-gateway.conf").content_string
    assert "renew_hook = systemctl reload nginx" in renewal
    assert "server = https://acme.gateway.test:14000/dir" in renewal
    assert not gw.file("/etc/cron.d/ollama-gateway").exists


def test_certbot_renew_dry_run(gw):
    # the same environment certbot.service gets from the role's drop-in. --dry-run switches any server it was
    # not given on the command line to Let's Encrypt staging (certbot behaviour), so name pebble again.
    result = gw.run(
        "REQUESTS_CA_BUNDLE=/etc/letsencrypt/ollama-gateway-acme-ca.pem "
        "certbot renew --dry-run --no-random-sleep-on-renew --cert-name ollama-gateway "
        "--server https://acme.gateway.test:14000/dir"
    )
    assert result.rc == 0, result.stdout + result.stderr
    assert "succeeded" in (result.stdout + result.stderr)


def test_client_snippets_on_controller():
    base = os.path.join(os.environ["MOLECULE_EPHEMERAL_DIRECTORY"], "clients", "gateway-gw")
    for key_id, key in (("app", APP_KEY), ("ops", OPS_KEY)):
        env = os.path.join(base, key_id + ".env")
        assert stat.S_IMODE(os.stat(env).st_mode) == 0o600
        text = open(env).read()
        assert "OLLAMA_BASE_URL=https://gw.gateway.test\n" in text
        assert "OPENAI_API_BASE=https://gw.gateway.test/v1\n" in text
        assert "OPENAI_API_KEY=%s\n" % key in text
        txt = os.path.join(base, key_id + ".txt")
        assert stat.S_IMODE(os.stat(txt).st_mode) == 0o600
        assert "Dify" in open(txt).read() and "OpenHands" in open(txt).read()


# --- official clients from the controller (TLS verified, SNI gw.gateway.test) -----------------------------
@pytest.fixture(scope="module")
def tls_context(root_pem, tmp_path_factory):
    path = tmp_path_factory.mktemp("pebble") / "root.pem"
    path.write_text(root_pem)
    return ssl.create_default_context(cafile=str(path))


@pytest.fixture()
def resolve_gateway(monkeypatch):
    """Point gw.gateway.test at the gateway container for this process only (no /etc/hosts change)."""
    address = _container_ip("gateway-gw")
    real = socket.getaddrinfo

    def fake(hostname, *args, **kwargs):
        return real(address if hostname == NAME else hostname, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", fake)
    return address


def test_ollama_python_client(tls_context, resolve_gateway):
    import ollama

    client = ollama.Client(host=URL, headers={"Authorization": "Bearer " + APP_KEY}, verify=tls_context)
    names = [m.model for m in client.list().models]
    assert MODEL in names
    response = client.generate(model=MODEL, prompt="hello", stream=False)
    assert response.done and response.response
    bad = ollama.Client(
        host=URL, headers={"Authorization": "Bearer nope-nope-nope-nope-nope-nope-nope"}, verify=tls_context
    )
    with pytest.raises(ollama.ResponseError) as err:
        bad.list()
    assert err.value.status_code == 401


def test_openai_sdk(tls_context, resolve_gateway):
    import httpx
    import openai

    client = openai.OpenAI(base_url=URL + "/v1", api_key=APP_KEY, http_client=httpx.Client(verify=tls_context))
    assert MODEL in [m.id for m in client.models.list().data]
    chat = client.chat.completions.create(model=MODEL, messages=[{"role": "user", "content": "hi"}])
    assert chat.choices[0].message.content
    pieces = [
        c.choices[0].delta.content
        for c in client.chat.completions.create(model=MODEL, messages=[{"role": "user", "content": "hi"}], stream=True)
        if c.choices and c.choices[0].delta.content
    ]
    assert len(pieces) >= 2


def _chunk_times(client):
    start = time.monotonic()
    times = []
    for _part in client.generate(model=MODEL, prompt="tell me a story about a gateway", stream=True):
        times.append(time.monotonic() - start)
    return times


def test_streamed_tokens_arrive_one_by_one(tls_context, resolve_gateway):
    """The stand-in sleeps 60 ms per token; a buffering proxy would deliver every chunk in one burst."""
    import ollama

    client = ollama.Client(host=URL, headers={"Authorization": "Bearer " + APP_KEY}, verify=tls_context)
    times = _chunk_times(client)
    assert len(times) >= 8
    gaps = [b - a for a, b in zip(times, times[1:])]
    assert statistics.median(gaps) >= 0.03, gaps
    assert times[-1] - times[0] >= 0.03 * (len(times) - 2), times


# --- second gateway on the backend host: self-signed, sub-path /ollama/, keys only, Origin stripped ----------
SUB_KEY = "sub-0123456789abcdef0123456789abcdef"
SUB_URL = "https://backend.gateway.test/ollama"
SUB_PEM = "/root/backend-selfsigned.pem"


@pytest.fixture(scope="module")
def sub_pem(host, backend):
    pem = backend.file("/etc/ssl/ollama-gateway/selfsigned.crt").content_string
    assert "BEGIN CERTIFICATE" in pem
    host.run_expect([0], "printf '%%s' '%s' > %s" % (pem, SUB_PEM))
    return pem


def sub_curl(host, path, *args):
    cmd = "curl -sS -o /dev/null -w '%%{http_code}' --max-time 30 --cacert %s %s 'https://backend.gateway.test%s'" % (
        SUB_PEM,
        " ".join(args),
        path,
    )
    return host.check_output(cmd)


def test_subpath_gateway_key_only(host, sub_pem):
    assert sub_curl(host, "/ollama/api/tags", "-H 'Authorization: Bearer %s'" % SUB_KEY) == "200"
    headers = host.check_output(
        "curl -sS -D - -o /dev/null --cacert %s https://backend.gateway.test/ollama/api/tags" % SUB_PEM
    ).lower()
    assert headers.splitlines()[0].split()[1] == "401"
    assert 'www-authenticate: bearer realm="ollama gateway"' in headers
    # keys only: no user can ever pass basic auth (empty user file), whatever it sends
    assert sub_curl(host, "/ollama/api/tags", "-u nobody:nothing") == "401"


def test_subpath_gateway_paths(host, sub_pem):
    key = "-H 'Authorization: Bearer %s'" % SUB_KEY
    assert sub_curl(host, "/api/tags", key) == "404"
    assert sub_curl(host, "/ollama", key) == "301"
    assert sub_curl(host, "/ollama/api/delete", key, "-X DELETE", '-d \'{"model": "x"}\'') == "403"


def test_subpath_gateway_strips_origin(host, sub_pem):
    """Ollama answers 403 to a foreign Origin (ollama-server.md §4); with origin mode strip it never sees one."""
    key = "-H 'Authorization: Bearer %s'" % SUB_KEY
    assert sub_curl(host, "/ollama/api/tags", key, "-H 'Origin: https://evil.example'") == "200"
    direct = host.check_output(
        "curl -s -o /dev/null -w '%{http_code}' -H 'Origin: https://evil.example' http://backend.gateway.test:11434/api/tags"
    )
    assert direct == "403"


def test_subpath_snippet_on_controller():
    env = os.path.join(os.environ["MOLECULE_EPHEMERAL_DIRECTORY"], "clients", "gateway-backend", "sub.env")
    text = open(env).read()
    assert "OLLAMA_HOST=https://backend.gateway.test/ollama\n" in text
    assert "OPENAI_BASE_URL=https://backend.gateway.test/ollama/v1\n" in text


def test_subpath_with_the_ollama_client(sub_pem, tmp_path, monkeypatch):
    """OLLAMA_HOST=https://host/ollama: the official client keeps the path (ollama-server.md §10.9)."""
    import ollama

    address = _container_ip("gateway-backend")
    real = socket.getaddrinfo
    monkeypatch.setattr(
        socket,
        "getaddrinfo",
        lambda name, *a, **kw: real(address if name == "backend.gateway.test" else name, *a, **kw),
    )
    ca = tmp_path / "sub.pem"
    ca.write_text(sub_pem)
    client = ollama.Client(
        host=SUB_URL,
        headers={"Authorization": "Bearer " + SUB_KEY},
        verify=ssl.create_default_context(cafile=str(ca)),
    )
    assert MODEL in [m.model for m in client.list().models]


# --- issue #12: hardening, checked from the controller (its address is exempt from the rate limit) -------------
SUB_NAME = "backend.gateway.test"


class Ctl:
    """HTTP(S) from the controller to either gateway, TLS verified, names resolved to the containers."""

    def __init__(self, contexts):
        self.contexts = contexts

    def request(self, method, url, headers=None, body=None, name=NAME):
        import http.client
        import urllib.parse

        parts = urllib.parse.urlsplit(url)
        if parts.scheme == "https":
            conn = http.client.HTTPSConnection(parts.hostname, parts.port or 443, timeout=60,
                                               context=self.contexts[parts.hostname])
        else:
            conn = http.client.HTTPConnection(parts.hostname, parts.port or 80, timeout=60)
        path = parts.path + ("?" + parts.query if parts.query else "")
        try:
            conn.request(method, path, body=body, headers=headers or {})
            resp = conn.getresponse()
            return resp.status, resp.getheaders(), resp.read()
        finally:
            conn.close()


@pytest.fixture(scope="module")
def ctl(root_pem, sub_pem, tmp_path_factory):
    base = tmp_path_factory.mktemp("ctl")
    (base / "pebble.pem").write_text(root_pem)
    (base / "sub.pem").write_text(sub_pem)
    addresses = {NAME: _container_ip("gateway-gw"), SUB_NAME: _container_ip("gateway-backend")}
    real = socket.getaddrinfo
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(socket, "getaddrinfo", lambda h, *a, **kw: real(addresses.get(h, h), *a, **kw))
        yield Ctl({NAME: ssl.create_default_context(cafile=str(base / "pebble.pem")),
                   SUB_NAME: ssl.create_default_context(cafile=str(base / "sub.pem"))})


def _headers(headers):
    out = {}
    for key, value in headers:
        out.setdefault(key.lower(), []).append(value)
    return out


APP = {"Authorization": "Bearer " + APP_KEY}
OPS = {"Authorization": "Bearer " + OPS_KEY}
SUB = {"Authorization": "Bearer " + SUB_KEY}


# item 4: small bodies for everyone, large ones only on the admin endpoints (the scenario sets 1m and 4m)
def test_large_body_is_413_on_inference_but_admin_blob_upload_works(ctl):
    blob = os.urandom(2 * 1024 * 1024)
    status, _h, _b = ctl.request("POST", URL + "/api/generate", APP, body=b'{"model":"%s","prompt":"' % MODEL.encode()
                                 + b"a" * len(blob) + b'"}')
    assert status == 413
    import hashlib

    digest = "sha256:" + hashlib.sha256(blob).hexdigest()
    status, _h, body = ctl.request("POST", URL + "/api/blobs/" + digest, OPS, body=blob)
    assert status == 201, body
    status, _h, _b = ctl.request("POST", URL + "/api/blobs/" + digest, OPS, body=os.urandom(5 * 1024 * 1024))
    assert status == 413


# item 5: a backend Location never sends a client (or its credential) to another host
@pytest.mark.parametrize("target,expected", [
    ("https://evil.example/steal", None),
    ("//evil.example/steal", None),
    ("/\\evil.example/steal", None),
    ("http://localhost:11434/api/tags", "/api/tags"),
    ("/api/version", "/api/version"),
])
def test_backend_redirects_are_rewritten_or_dropped(ctl, target, expected):
    import urllib.parse

    status, headers, _b = ctl.request("GET", URL + "/standin/redirect?to=" + urllib.parse.quote(target, safe=""), APP)
    assert status == 302
    assert _headers(headers).get("location") == ([expected] if expected else None), headers


def test_subpath_backend_redirect_keeps_the_prefix(ctl):
    status, headers, _b = ctl.request("GET", "https://%s/ollama/standin/redirect?to=/api/tags" % SUB_NAME, SUB)
    assert status == 302
    assert _headers(headers)["location"] == ["/ollama/api/tags"]


# item 6: account and cloud endpoints need an admin; cloud models are refused unless allowed
@pytest.mark.parametrize("method,path,body", [
    ("GET", "/api/me", None),
    ("POST", "/api/signout", None),
    ("DELETE", "/api/user/keys/ssh-ed25519%20AAAAC3", None),
    ("POST", "/api/experimental/web_search", b'{"query": "x"}'),
])
def test_account_endpoints_need_an_admin(ctl, method, path, body):
    assert ctl.request(method, URL + path, APP, body=body)[0] == 403
    basic = {"Authorization": "Basic " + __import__("base64").b64encode(b"alice:alice-password-1").decode()}
    assert ctl.request(method, URL + path, basic, body=body)[0] == 403


def test_admin_can_use_account_endpoints(ctl):
    status, _h, body = ctl.request("GET", URL + "/api/me", OPS)
    assert status == 200 and json.loads(body)["email"] == "standin@example.invalid"
    status, _h, body = ctl.request("POST", URL + "/api/experimental/web_search", OPS, body=b'{"query": "gw"}')
    assert status == 200 and b"stand-in" in body


@pytest.mark.parametrize("path,body,openai", [
    ("/api/chat", {"model": "gpt-oss:120b-cloud", "messages": [{"role": "user", "content": "hi"}]}, False),
    ("/api/generate", {"MODEL": "x:cloud", "prompt": "hi"}, False),
    ("/api/show", {"name": "ollama.com/library/gpt-oss:20b-cloud"}, False),
    ("/v1/chat/completions", {"model": "gpt-oss:120b-cloud", "messages": [{"role": "user", "content": "hi"}]}, True),
    ("/v1/models/gpt-oss:120b-cloud", None, True),
])
def test_cloud_models_are_refused(ctl, path, body, openai):
    method = "GET" if body is None else "POST"
    data = None if body is None else json.dumps(body).encode()
    status, headers, raw = ctl.request(method, URL + path, APP, body=data)
    assert status == 403, raw
    assert _headers(headers)["content-type"][0].startswith("application/json")
    error = json.loads(raw)["error"]
    message = error["message"] if openai else error
    assert isinstance(error, dict) == openai
    assert "cloud models are disabled" in message


def test_cloud_models_are_refused_for_admins_too(ctl):
    body = json.dumps({"model": "x:cloud", "insecure": True, "stream": False}).encode()
    assert ctl.request("POST", URL + "/api/pull", OPS, body=body)[0] == 403


def test_local_models_still_stream_through_the_filter(ctl):
    body = json.dumps({"model": MODEL, "prompt": "hi", "stream": False}).encode()
    status, _h, raw = ctl.request("POST", URL + "/api/generate", APP, body=body)
    assert status == 200 and json.loads(raw)["done"] is True


def test_cloud_models_pass_where_allowed(ctl):
    """The sub-path gateway sets gateway_cloud_models_allowed: the stand-in answers as if it proxied to ollama.com."""
    body = json.dumps({"model": "gpt-oss:120b-cloud", "prompt": "hi"}).encode()
    status, _h, raw = ctl.request("POST", "https://%s/ollama/api/generate" % SUB_NAME, SUB, body=body)
    assert status == 200 and b"stand-in cloud answer" in raw


# item 7: CORS preflights are answered by nginx; other OPTIONS need credentials
def test_preflight_is_answered_by_nginx(ctl, gw):
    marker = "/api/tags?preflight-marker"
    headers = {"Origin": "http://localhost:3000", "Access-Control-Request-Method": "POST"}
    status, got, _b = ctl.request("OPTIONS", URL + marker, headers)
    got = _headers(got)
    assert status == 204
    assert got["access-control-allow-origin"] == ["http://localhost:3000"]
    assert got["access-control-max-age"] == ["43200"]
    assert "Authorization" in got["access-control-allow-headers"][0]
    # no backend saw it: the access log entry has no upstream
    entries = [json.loads(line) for line in gw.file("/var/log/nginx/ollama-gateway.access.log").content_string.splitlines()
               if '"method":"OPTIONS"' in line]
    assert entries and all(e["upstream"] == "" for e in entries), entries
    status, got, _b = ctl.request("OPTIONS", URL + "/api/chat",
                                  {"Origin": "https://evil.example", "Access-Control-Request-Method": "POST"})
    assert status == 403 and "access-control-allow-origin" not in _headers(got)


@pytest.mark.parametrize("headers", [{}, {"Origin": "http://localhost:3000"}, {"Access-Control-Request-Method": "POST"}])
def test_other_options_requests_need_credentials(ctl, headers):
    assert ctl.request("OPTIONS", URL + "/api/tags", headers)[0] == 401


# item 9: origin mode strip refuses cross-site writes
def test_strip_mode_refuses_cross_site_writes(ctl):
    url = "https://%s/ollama/api/show" % SUB_NAME
    body = json.dumps({"model": MODEL}).encode()
    status, _h, raw = ctl.request("POST", url, dict(SUB, Origin="https://evil.example"), body=body)
    assert status == 403 and b"cross-origin" in raw
    assert ctl.request("POST", url, dict(SUB, Origin="null"), body=body)[0] == 403
    # no Origin (curl, SDKs) or an allowed one: reaches Ollama
    assert ctl.request("POST", url, SUB, body=body)[0] == 200
    assert ctl.request("POST", url, dict(SUB, Origin="http://localhost:5173"), body=body)[0] == 200
    # reads stay allowed (test_subpath_gateway_strips_origin)
    assert ctl.request("GET", "https://%s/ollama/api/tags" % SUB_NAME, dict(SUB, Origin="https://evil.example"))[0] == 200


# item 10: port 80 and headers
def test_http_redirect_ignores_the_client_host(ctl):
    status, headers, _b = ctl.request("GET", "http://%s/some/page?x=1" % NAME, {"Host": "evil.example"})
    assert status == 301
    assert _headers(headers)["location"] == ["https://%s/some/page?x=1" % NAME]


@pytest.mark.parametrize("path,headers", [("/api/tags", {}), ("/v1/models", {}), ("/", APP)])
def test_http_api_path_says_use_https(ctl, path, headers):
    status, got, raw = ctl.request("GET", "http://%s%s" % (NAME, path), dict(headers, Host="evil.example"))
    assert status == 400
    assert "location" not in _headers(got)
    assert json.loads(raw) == {"error": "this gateway only serves https; use https://%s/" % NAME}


def test_no_nginx_version_and_hsts_by_tls_mode(ctl):
    for url, headers in (("https://%s/api/tags" % NAME, APP), ("http://%s/x" % NAME, {}),
                         ("https://%s/ollama/api/tags" % SUB_NAME, SUB)):
        _s, got, _b = ctl.request("GET", url, headers)
        assert _headers(got)["server"] == ["nginx"], url
    # acme -> HSTS on by default (the scenario no longer sets gateway_tls_hsts_enabled); selfsigned -> off
    assert "strict-transport-security" in _headers(ctl.request("GET", URL + "/api/tags", APP)[1])
    sub = ctl.request("GET", "https://%s/ollama/api/tags" % SUB_NAME, SUB)
    assert sub[0] == 200 and "strict-transport-security" not in _headers(sub[1])


# --- issue #13: model-aware routing (gateway_routing model_affinity, the default) -------------------------------------
def _json(ctl, method, path, headers=None, body=None):
    data = None if body is None else json.dumps(body).encode()
    status, got, raw = ctl.request(method, URL + path, APP if headers is None else headers, body=data)
    return status, _headers(got), json.loads(raw) if raw else None


@pytest.mark.parametrize("path,body,expected", [
    ("/api/generate", {"model": "nope", "prompt": "hi"}, {"error": "model 'nope' not found"}),
    ("/api/chat", {"model": "nope", "messages": [{"role": "user", "content": "hi"}]},
     {"error": "model 'nope' not found"}),
    ("/api/show", {"model": "nope"}, {"error": "model 'nope:latest' not found"}),
    ("/api/embed", {"model": "nope", "input": "x"}, {"error": 'model "nope" not found, try pulling it first'}),
])
def test_unknown_model_is_404_in_ollamas_shape(ctl, gw, path, body, expected):
    status, headers, answer = _json(ctl, "POST", path, body=body)
    assert status == 404 and answer == expected
    assert headers["content-type"] == ["application/json; charset=utf-8"]
    # answered by the gateway: no backend saw it
    last = [json.loads(line) for line in gw.file("/var/log/nginx/ollama-gateway.access.log").content_string.splitlines()
            if '"uri":"%s"' % path in line][-1]
    assert last["status"] == 404 and last["upstream"] == "", last


@pytest.mark.parametrize("method,path,body,message", [
    ("POST", "/v1/chat/completions", {"model": "nope", "messages": [{"role": "user", "content": "hi"}]},
     "model 'nope' not found"),
    ("POST", "/v1/embeddings", {"model": "nope", "input": "x"}, 'model "nope" not found, try pulling it first'),
    ("GET", "/v1/models/nope", None, "model 'nope:latest' not found"),
])
def test_unknown_model_is_404_in_openais_shape(ctl, method, path, body, message):
    status, headers, answer = _json(ctl, method, path, body=body)
    assert status == 404
    assert answer == {"error": {"message": message, "type": "not_found_error", "param": None, "code": "model_not_found"}}
    assert headers["content-type"] == ["application/json"]


def test_model_names_are_compared_like_ollama(ctl):
    """tinyllama is stored as 127.0.0.1:5000/library/tinyllama:latest: other spellings reach a holder too."""
    for name in ("127.0.0.1:5000/library/tinyllama", "127.0.0.1:5000/LIBRARY/TinyLlama:latest"):
        status, _h, answer = _json(ctl, "POST", "/api/show", body={"model": name})
        assert status == 200, (name, answer)


def test_listings_are_the_union_of_the_backends(ctl, host):
    direct = json.loads(host.check_output("curl -sS http://backend.gateway.test:11434/api/tags"))
    status, headers, tags = _json(ctl, "GET", "/api/tags")
    assert status == 200 and headers["content-type"] == ["application/json; charset=utf-8"]
    names = [m["name"] for m in tags["models"]]
    assert len(names) == len(set(names)), names
    # both backends pulled the same model (and got the same copy): the same models with the same digests
    assert {(m["name"], m["digest"]) for m in tags["models"]} == {(m["name"], m["digest"]) for m in direct["models"]}
    assert all("gateway_digests" not in m for m in tags["models"])
    status, headers, models = _json(ctl, "GET", "/v1/models")
    assert status == 200 and headers["content-type"] == ["application/json"]
    assert sorted(m["id"] for m in models["data"]) == sorted(names)
    status, _h, ps = _json(ctl, "GET", "/api/ps")
    assert status == 200 and isinstance(ps["models"], list)


def test_cloud_refusal_on_v1_is_plain_application_json(ctl):
    status, headers, answer = _json(ctl, "POST", "/v1/chat/completions",
                                    body={"model": "x:cloud", "messages": [{"role": "user", "content": "hi"}]})
    assert status == 403 and headers["content-type"] == ["application/json"]
    assert answer["error"]["code"] == "cloud_models_disabled"
    status, headers, answer = _json(ctl, "POST", "/api/generate", body={"model": "x:cloud", "prompt": "hi"})
    assert status == 403 and headers["content-type"] == ["application/json; charset=utf-8"]


def test_management_names_backends_by_header(ctl):
    status, _h, answer = _json(ctl, "POST", "/api/copy", dict(OPS, **{"X-Ollama-Backends": "nope"}),
                               body={"source": MODEL, "destination": "gateway-copy2:latest"})
    assert status == 400 and "unknown backend 'nope'" in answer["error"] and "gateway-gw" in answer["error"]
    status, _h, _a = _json(ctl, "POST", "/api/copy", dict(OPS, **{"X-Ollama-Backends": "gateway-backend"}),
                           body={"source": MODEL, "destination": "gateway-copy2:latest"})
    assert status == 200
    # only gateway-backend has the copy now; the gateway routes it there
    status, _h, answer = _json(ctl, "POST", "/api/show", body={"model": "gateway-copy2"})
    assert status == 200, answer


def test_streamed_pull_reaches_every_backend(ctl):
    status, headers, raw = ctl.request("POST", URL + "/api/pull", OPS,
                                       body=json.dumps({"model": MODEL, "insecure": True}).encode())
    lines = [json.loads(line) for line in raw.decode().splitlines() if line.strip()]
    assert status == 200 and lines[-1] == {"status": "success"}, lines
    assert {line.get("backend") for line in lines[:-1]} == {"gateway-gw", "gateway-backend"}


def test_blob_upload_reaches_every_backend(ctl, gw, host):
    import hashlib

    blob = os.urandom(64 * 1024)
    digest = "sha256:" + hashlib.sha256(blob).hexdigest()
    assert ctl.request("HEAD", URL + "/api/blobs/" + digest, OPS)[0] == 404
    status, _h, body = ctl.request("POST", URL + "/api/blobs/" + digest, OPS, body=blob)
    assert status == 201, body
    assert ctl.request("HEAD", URL + "/api/blobs/" + digest, OPS)[0] == 200
    # each backend has it (asked directly, not through the gateway)
    local = gw.check_output("curl -s -o /dev/null -w '%%{http_code}' -I -H 'Host: localhost:11434' "
                            "http://127.0.0.1:11434/api/blobs/%s" % digest)
    remote = host.check_output("curl -s -o /dev/null -w '%%{http_code}' -I http://backend.gateway.test:11434/api/blobs/%s"
                               % digest)
    assert (local, remote) == ("200", "200")


def test_the_njs_filter_of_an_earlier_release_is_removed(gw):
    # prepare.yml planted it like an earlier release of the role; the Lua gateway does not load it
    assert not gw.file("/etc/nginx/ollama-gateway/ollama-gateway.js").exists
    assert gw.file("/etc/nginx/ollama-gateway/lua/ollama_gw/nginx.lua").exists
