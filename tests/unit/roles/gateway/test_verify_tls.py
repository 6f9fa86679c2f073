# Copyright (c) 2026, localllm.ollama contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The gateway's `verify` entry point checks the certificate before it sends a credential (issue #12, item 13).

ansible-playbook runs the entry point on localhost against a small HTTPS server that answers like Ollama and
records every Authorization header it receives."""

from __future__ import annotations

import datetime
import http.server
import ipaddress
import json
import os
import shutil
import ssl
import subprocess
import sys
import threading

import pytest
import yaml

cryptography = pytest.importorskip("cryptography")
from cryptography import x509  # noqa: E402
from cryptography.hazmat.primitives import hashes, serialization  # noqa: E402
from cryptography.hazmat.primitives.asymmetric import ec  # noqa: E402
from cryptography.x509.oid import NameOID  # noqa: E402

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))))
KEY = "verify-0123456789abcdef0123456789abcdef"

pytestmark = pytest.mark.skipif(shutil.which("ansible-playbook") is None, reason="ansible-playbook not on PATH")


def self_signed(directory, name):
    """A self-signed certificate for 127.0.0.1 shaped like the role's (CN, DNS and IP names); returns (cert, key)."""
    key = ec.generate_private_key(ec.SECP384R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(subject).issuer_name(subject).public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(minutes=5)).not_valid_after(now + datetime.timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName([x509.DNSName(name), x509.DNSName("localhost"),
                                                        x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
                           critical=False)
            .sign(key, hashes.SHA256()))
    cert_path, key_path = directory / (name + ".crt"), directory / (name + ".key")
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return cert_path, key_path


class _Ollama(http.server.BaseHTTPRequestHandler):
    seen = []

    def do_GET(self):  # noqa: N802 (http.server API)
        self.seen.append(self.headers.get("Authorization"))
        if self.path == "/api/version":
            body, ctype = json.dumps({"version": "0.32.15"}).encode(), "application/json"
        else:
            body, ctype = b"Ollama is running", "text/plain; charset=utf-8"
        self.send_response(200)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_HEAD = do_GET

    def log_message(self, *args):
        pass


@pytest.fixture
def gateway(tmp_path):
    """An HTTPS listener with the gateway's certificate; yields (port, certificate path, headers seen)."""
    cert, key = self_signed(tmp_path, "gateway")
    handler = type("Handler", (_Ollama,), {"seen": []})
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(str(cert), str(key))
    server.socket = context.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server.server_address[1], cert, handler.seen
    server.shutdown()
    server.server_close()


def run_verify(tmp_path, **variables):
    playbook = [{"hosts": "gw1", "gather_facts": False, "tasks": [
        {"name": "Verify", "ansible.builtin.include_role": {"name": "localllm.ollama.gateway", "tasks_from": "verify"}}]}]
    (tmp_path / "play.yml").write_text(yaml.safe_dump(playbook))
    extra = dict({"gateway_api_keys": [{"id": "ci", "key": KEY}], "gateway_verify_auth": False}, **variables)
    (tmp_path / "extra.json").write_text(json.dumps(extra))
    (tmp_path / "hosts.yml").write_text(yaml.safe_dump(
        {"all": {"hosts": {"gw1": {"ansible_connection": "local", "ansible_python_interpreter": sys.executable}}}}))
    result = subprocess.run(["ansible-playbook", "-i", str(tmp_path / "hosts.yml"), "-e", "@%s" % (tmp_path / "extra.json"),
                             str(tmp_path / "play.yml")], capture_output=True, text=True, cwd=REPO, check=False,
                            env=dict(os.environ, ANSIBLE_NOCOLOR="1"))
    return result.returncode, result.stdout + result.stderr


def test_selfsigned_gateway_is_verified_against_its_own_certificate(tmp_path, gateway):
    port, cert, seen = gateway
    tls_dir = tmp_path / "tls"
    tls_dir.mkdir()
    shutil.copy(cert, tls_dir / "selfsigned.crt")
    rc, out = run_verify(tmp_path, gateway_tls_mode="selfsigned", gateway_https_port=port, gateway_tls_dir=str(tls_dir))
    assert rc == 0, out
    assert seen and all(h == "Bearer " + KEY for h in seen)


def test_selfsigned_gateway_with_another_certificate_gets_no_key(tmp_path, gateway):
    port, _cert, seen = gateway
    tls_dir = tmp_path / "tls"
    tls_dir.mkdir()
    other, _key = self_signed(tmp_path, "impostor")
    shutil.copy(other, tls_dir / "selfsigned.crt")
    rc, out = run_verify(tmp_path, gateway_tls_mode="selfsigned", gateway_https_port=port, gateway_tls_dir=str(tls_dir))
    assert rc != 0
    assert "TLS certificate verification failed" in out, out
    assert seen == [], "the key reached a listener whose certificate was not verified"


def test_verify_url_is_checked_against_the_system_cas_by_default(tmp_path, gateway):
    port, cert, seen = gateway
    url = "https://127.0.0.1:%d/" % port
    rc, out = run_verify(tmp_path, gateway_tls_mode="provided", gateway_server_name="gw.example.lan",
                         gateway_verify_url=url)
    assert rc != 0 and seen == [], out
    rc, out = run_verify(tmp_path, gateway_tls_mode="provided", gateway_server_name="gw.example.lan",
                         gateway_verify_url=url, gateway_verify_ca_path=str(cert))
    assert rc == 0, out
    assert seen and all(h == "Bearer " + KEY for h in seen)


def test_provided_certificate_without_a_name_fails_with_the_fix(tmp_path):
    rc, out = run_verify(tmp_path, gateway_tls_mode="provided")
    assert rc != 0
    assert "gateway_server_name is empty" in out and "gateway_verify_url" in out
