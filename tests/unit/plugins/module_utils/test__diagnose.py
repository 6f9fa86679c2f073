# -*- coding: utf-8 -*-
# Copyright (c) 2026, localllm maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The diagnosis logic of playbooks/diagnose.yml (plugins/module_utils/_diagnose.py): parsers of journal, ss and ufw
output, the evaluators that name the cause and the inventory variable to change, the probes and the table."""

from __future__ import annotations

import http.server
import json
import socket
import threading
import time

import pytest

from ansible_collections.localllm.ollama.plugins.module_utils import _diagnose as d

# What the Ollama service logs (the stand-in prints the texts of upstream, ollama-server.md sections 1, 2, 4, 8).
JOURNAL_OK = [
    'Started ollama.service - Ollama LLM server.',
    'time=2026-12-01T09:00:00.000Z level=INFO source=routes.go:1631 msg="server config" env="map[]"',
    'time=2026-12-01T09:00:00.010Z level=INFO source=routes.go:1684 msg="Listening on [::]:11434 (version 0.13.5)"',
    'time=2026-12-01T09:00:00.011Z level=INFO source=types.go:60 msg="inference compute" id=cpu library=cpu '
    'compute="" name=cpu description=cpu libdirs=ollama driver="" pci_id="" type="" total="15.6 GiB" '
    'available="14.2 GiB"',
]
JOURNAL_ORIGINS = JOURNAL_OK + [
    'Stopping ollama.service - Ollama LLM server...',
    'Started ollama.service - Ollama LLM server.',
    "panic: bad origin: origins must contain '*' or include http://,https://,chrome-extension://,"
    "safari-extension://,moz-extension://,ms-browser-extension://",
    '',
    'goroutine 1 [running]:',
    'github.com/gin-contrib/cors.newCors(...)',
    'ollama.service: Main process exited, code=exited, status=2/INVALIDARGUMENT',
    'ollama.service: Failed with result \'exit-code\'.',
    'ollama.service: Scheduled restart job, restart counter is at 4.',
]
JOURNAL_HOME = ['panic: $HOME is not defined', '', 'goroutine 1 [running]:',
                'ollama.service: Main process exited, code=exited, status=2/INVALIDARGUMENT']
JOURNAL_PERM = ['Error: mkdir /srv/models/blobs: permission denied: ensure path elements are traversable']
JOURNAL_INUSE = ['Error: listen tcp 0.0.0.0:11434: bind: address already in use']

SS = """LISTEN 0      4096         0.0.0.0:22         0.0.0.0:*    users:(("sshd",pid=101,fd=3))
LISTEN 0      128        127.0.0.1:11434      0.0.0.0:*    users:(("ollama",pid=2345,fd=3))
LISTEN 0      511             [::]:443           [::]:*    users:(("nginx",pid=400,fd=7),("nginx",pid=399,fd=7))
LISTEN 0      4096               *:8080             *:*    users:(("dockerd",pid=77,fd=9))
"""
SS_WILDCARD = 'LISTEN 0      128                 *:11434            *:*    users:(("ollama",pid=9,fd=3))\n'

UFW = """Status: active
Logging: on (low)
Default: deny (incoming), allow (outgoing), deny (routed)
New profiles: skip

To                         Action      From
--                         ------      ----
22/tcp                     LIMIT IN    Anywhere                   # localllm.ollama.firewall ssh
11434/tcp                  ALLOW IN    172.18.0.4                 # localllm.ollama.firewall ollama
22/tcp (v6)                LIMIT IN    Anywhere (v6)              # localllm.ollama.firewall ssh
"""
UFW_DENY_FIRST = UFW.replace(
    '22/tcp                     LIMIT IN',
    '11434/tcp                  DENY IN     172.18.0.0/16\n22/tcp                     LIMIT IN')


def test_journal_names_the_cause_of_the_last_start_only():
    assert d.journal_cause(JOURNAL_OK) == (None, None)
    key, line = d.journal_cause(JOURNAL_ORIGINS)
    assert key == 'origins' and line.startswith('panic: bad origin')
    assert d.journal_cause(JOURNAL_HOME)[0] == 'home'
    assert d.journal_cause(['Error: $HOME is not defined'])[0] == 'home'
    assert d.journal_cause(JOURNAL_PERM)[0] == 'models_dir'
    assert d.journal_cause(JOURNAL_INUSE)[0] == 'address_in_use'
    # an old panic followed by a good start is history, not the cause
    assert d.journal_cause(JOURNAL_HOME + JOURNAL_OK) == (None, None)


def test_journal_compute_and_listening():
    assert d.journal_listening(JOURNAL_OK) == ('[::]:11434', '0.13.5')
    compute = d.journal_compute(JOURNAL_OK)
    assert compute == [dict(compute[0], library='cpu', total='15.6 GiB')]
    assert d.journal_compute(JOURNAL_OK + ['msg="Listening on 127.0.0.1:11434 (version 1)"']) == []


def test_parse_ss():
    socks = d.parse_ss_listen(SS)
    assert {'address': '127.0.0.1', 'port': 11434, 'process': 'ollama', 'pid': 2345} in socks
    assert {'address': '::', 'port': 443, 'process': 'nginx', 'pid': 400} in socks
    assert {'address': '*', 'port': 8080, 'process': 'dockerd', 'pid': 77} in socks


def test_listen_on_loopback_behind_a_remote_gateway_names_the_variable_and_the_gateway():
    f = d.evaluate_listen(d.parse_ss_listen(SS), 11434, '127.0.0.1', [{'host': 'gw1', 'address': '10.0.0.5'}])
    assert f['result'] == 'fail'
    assert 'set ollama_bind_address: 0.0.0.0 (the gateway gw1 connects to 10.0.0.5:11434)' in f['fix']
    ok = d.evaluate_listen(d.parse_ss_listen(SS_WILDCARD), 11434, '0.0.0.0', [{'host': 'gw1', 'address': '10.0.0.5'}])
    assert ok['result'] == 'ok', ok
    # listening somewhere else than configured (a hand-made drop-in) is a warning naming the variable
    warn = d.evaluate_listen(d.parse_ss_listen(SS_WILDCARD), 11434, '127.0.0.1', [])
    assert warn['result'] == 'warn' and 'ollama_bind_address' in warn['cause']
    down = d.evaluate_listen([], 11434, '0.0.0.0', [], service_ok=False)
    assert down['result'] == 'skip'
    taken = d.evaluate_listen(d.parse_ss_listen(SS.replace('"ollama",pid=2345', '"python3",pid=5')), 11434,
                              '127.0.0.1', [])
    assert taken['result'] == 'fail' and 'ollama_port' in taken['fix']


def test_ufw_first_match_and_default():
    status = d.parse_ufw_status(UFW)
    assert status['active'] and status['default_incoming'] == 'deny'
    assert status['rules'][1] == {'to': '11434/tcp', 'action': 'allow', 'from': '172.18.0.4', 'v6': False}
    assert d.ufw_decision(status, 11434, '172.18.0.4')[0] is True
    assert d.ufw_decision(status, 11434, '172.18.0.9') == (False, None)
    assert d.ufw_decision(status, 22, '8.8.8.8')[0] is True
    blocked = d.ufw_decision(d.parse_ufw_status(UFW_DENY_FIRST), 11434, '172.18.0.4')
    assert blocked[0] is False and blocked[1]['action'] == 'deny'
    assert d.ufw_decision(d.parse_ufw_status('Status: inactive\n'), 11434, '1.2.3.4') == (True, None)


def test_firewall_finding():
    sources = [{'host': 'gw1', 'address': '172.18.0.4'}]
    assert d.evaluate_firewall(d.parse_ufw_status(UFW), 11434, sources)['result'] == 'ok'
    f = d.evaluate_firewall(d.parse_ufw_status(UFW_DENY_FIRST), 11434, sources)
    assert f['result'] == 'fail'
    assert 'gw1 (172.18.0.4): DENY 11434/tcp from 172.18.0.0/16' in f['cause']
    assert 'firewall_ollama_allowed_group' in f['fix']
    f = d.evaluate_firewall(d.parse_ufw_status(UFW), 11434, [{'host': 'gw2', 'address': '172.18.0.9'}])
    assert f['result'] == 'fail' and 'default deny' in f['cause']
    assert d.evaluate_firewall(None, 11434, sources)['result'] == 'skip'
    inactive = d.evaluate_firewall(d.parse_ufw_status('Status: inactive\n'), 11434, sources)
    assert inactive['result'] == 'warn' and 'ollama_site_firewall' in inactive['fix']


RUNNING = {'LoadState': 'loaded', 'ActiveState': 'active', 'SubState': 'running', 'NRestarts': '0',
           'ActiveEnterTimestamp': 'Tue 2026-12-01 09:00:00 UTC'}


def test_service_findings():
    assert d.evaluate_service('ollama', RUNNING, JOURNAL_OK)['result'] == 'ok'
    stopped = d.evaluate_service('ollama', {'LoadState': 'loaded', 'ActiveState': 'inactive', 'SubState': 'dead',
                                            'Result': 'success', 'NRestarts': '0'}, JOURNAL_OK)
    assert stopped['result'] == 'fail' and stopped['cause'].startswith('stopped')
    assert 'ollama_service_enabled' in stopped['fix']
    # stopped by hand after a crash loop: NRestarts is not reset by a stop
    stopped = d.evaluate_service('ollama', {'LoadState': 'loaded', 'ActiveState': 'inactive', 'SubState': 'dead',
                                            'Result': 'success', 'NRestarts': '18'}, JOURNAL_OK)
    assert stopped['cause'].startswith('stopped')
    looping = {'LoadState': 'loaded', 'ActiveState': 'activating', 'SubState': 'auto-restart', 'NRestarts': '4'}
    dropins = {'/etc/systemd/system/ollama.service.d/10-localllm.conf': '[Service]\nEnvironment="HOME=/x"\n',
               '/etc/systemd/system/ollama.service.d/99-hand.conf':
                   '[Service]\nEnvironment="OLLAMA_ORIGINS=chat.example.com"\n'}
    f = d.evaluate_service('ollama', looping, JOURNAL_ORIGINS, dropins)
    assert f['result'] == 'fail'
    assert f['cause'].startswith('crash-looping (4 restarts): a bad OLLAMA_ORIGINS')
    assert '99-hand.conf' in f['cause'] and '10-localllm.conf' not in f['cause']
    assert 'ollama_origins' in f['fix'] and '99-hand.conf' in f['fix']
    # caught in the moment between a restart and the panic
    between = d.evaluate_service('ollama', dict(RUNNING, NRestarts='2'), JOURNAL_ORIGINS, dropins)
    assert between['result'] == 'fail' and between['cause'].startswith('crash-looping (2 restarts)')
    home = d.evaluate_service('ollama', looping, JOURNAL_HOME)
    assert 'HOME' in home['cause'] and 'ollama_home' in home['fix']
    perm = d.evaluate_service('ollama', dict(looping, ActiveState='failed', SubState='failed'), JOURNAL_PERM)
    assert 'not writable' in perm['cause'] and 'ollama_models_dir' in perm['fix']
    inuse = d.evaluate_service('ollama', looping, JOURNAL_INUSE,
                               listeners=d.parse_ss_listen(SS.replace('"ollama",pid=2345', '"python3",pid=5')))
    assert 'python3, pid 5' in inuse['cause'] and 'ollama_port' in inuse['fix']
    missing = d.evaluate_service('ollama', {'LoadState': 'not-found'}, [])
    assert missing['result'] == 'fail' and 'not installed' in missing['cause']


def test_gpu_present_but_cpu_inference_is_a_failure():
    gpus = {'nvidia_present': True, 'gpus': [{'name': 'NVIDIA L4'}], 'gpu_warnings': []}
    f = d.evaluate_gpu(gpus, [{'name': 'llama3.1:8b', 'size_vram': 0}], d.journal_compute(JOURNAL_OK))
    assert f['result'] == 'fail' and 'NVIDIA L4 present but Ollama runs on the CPU' in f['cause']
    assert 'llama3.1:8b' in f['cause'] and 'ollama_visible_devices' in f['fix']
    cuda = ['msg="inference compute" id=GPU-1 library=CUDA compute=8.9 name=CUDA0 total="22.0 GiB"']
    assert d.evaluate_gpu(gpus, [{'name': 'x', 'size_vram': 5}], d.journal_compute(cuda))['result'] == 'ok'
    none = d.evaluate_gpu({'nvidia_present': False, 'amd_present': False}, [], d.journal_compute(JOURNAL_OK))
    assert none['result'] == 'ok' and 'CPU inference' in none['cause']


def test_disk_models_nginx():
    assert d.evaluate_disk('/m', 2 * 1024 ** 3, 10 * 1024 ** 3, 5)['result'] == 'fail'
    assert d.evaluate_disk('/m', 20 * 1024 ** 3, 40 * 1024 ** 3, 5)['result'] == 'ok'
    f = d.evaluate_models(['llama3.1:8b', 'nomic-embed-text'], ['nomic-embed-text:latest'])
    assert f['result'] == 'fail' and 'missing: llama3.1:8b' in f['cause'] and 'ollama_models' in f['fix']
    assert d.evaluate_models(['nomic-embed-text'], ['nomic-embed-text:latest'])['result'] == 'ok'
    assert d.evaluate_models(['x'], None)['result'] == 'skip'
    assert d.evaluate_nginx(0, 'syntax is ok')['result'] == 'ok'
    bad = d.evaluate_nginx(1, 'nginx: [emerg] unknown directive "foo" in /etc/nginx/sites-enabled/x:3\nfailed')
    assert bad['result'] == 'fail' and 'unknown directive' in bad['cause']


def test_backend_refused_vs_timeout():
    refused = d.evaluate_backend('server1', '10.0.0.5', 11434, {'ok': False, 'kind': 'refused'}, {}, 'localhost:11434')
    assert 'on server1: set ollama_bind_address: 0.0.0.0 (this gateway connects to 10.0.0.5:11434)' in refused['fix']
    timeout = d.evaluate_backend('server1', '10.0.0.5', 11434, {'ok': False, 'kind': 'timeout'}, {}, 'h')
    assert 'firewall' in timeout['cause'] and 'firewall_ollama_port' in timeout['fix']
    forbidden = d.evaluate_backend('s', 'a', 1, {'ok': True}, {'ok': False, 'status': 403}, 'evil')
    assert 'gateway_upstream_host_header' in forbidden['fix']
    ok = d.evaluate_backend('s', 'a', 1, {'ok': True}, {'ok': True, 'version': '0.13.5'}, 'localhost:1')
    assert ok['result'] == 'ok' and ok['fix'] == ''


def test_auth_and_client():
    out = d.evaluate_auth('https://127.0.0.1', {'status': 401}, {'status': 401}, 'gateway_api_keys[0]')
    assert [f['result'] for f in out] == ['ok', 'fail'] and 'gateway_api_keys' in out[1]['fix']
    out = d.evaluate_auth('https://127.0.0.1', {'status': 200, 'ok': True}, {'status': 200}, 'k')
    assert out[0]['result'] == 'fail' and 'gateway_allow_anonymous' in out[0]['fix']
    steps = {'dns': {'skipped': True}, 'tcp': {'ok': True},
             'tls': {'ok': False, 'kind': 'tls_verify', 'message': 'SSL certificate verify failed: self-signed'},
             'auth': {'ok': True}, 'stream': {'ok': True}}
    out = d.evaluate_client(steps, 'https://10.0.0.4', 'diagnose_client_key', 'diagnose_client_ca_path')
    assert [f['result'] for f in out] == ['skip', 'ok', 'fail', 'skip', 'skip']
    assert 'diagnose_client_ca_path' in out[2]['fix'] and 'gateway_tls_mode' in out[2]['fix']
    steps.update(tls={'ok': True}, auth={'ok': False, 'status': 401, 'kind': 'http', 'message': 'HTTP 401'})
    out = d.evaluate_client(steps, 'https://10.0.0.4', 'diagnose_client_key', 'x')
    assert out[3]['result'] == 'fail' and 'diagnose_client_key must be one of gateway_api_keys' in out[3]['fix']
    assert 'the gateway refuses the key' in out[3]['cause']
    steps.update(auth={'ok': True}, stream={'ok': False, 'kind': 'buffered', 'message': '9 lines at once'})
    out = d.evaluate_client(steps, 'https://10.0.0.4', 'k', 'x')
    assert out[4]['result'] == 'fail' and 'proxy_buffering off' in out[4]['fix']
    origin = d.evaluate_client({'origin': {'ok': False, 'status': 403, 'kind': 'http', 'message': 'HTTP 403',
                                           'origin': 'https://chat.example.com'}}, 'https://gw', 'k')
    assert 'list it in ollama_origins' in origin[0]['fix'] and 'https://chat.example.com' in origin[0]['fix']
    dns = d.evaluate_client({'dns': {'ok': False, 'kind': 'dns'}}, 'https://llm.example.lan', 'k', 'x')
    assert 'llm.example.lan' in dns[0]['fix']


def test_stream_verdict():
    assert d.stream_verdict([0.1, 0.2, 0.3, 0.4], 4)[0] is True
    buffered = d.stream_verdict([1.0, 1.0, 1.001, 1.001], 4)
    assert buffered[0] is False and 'buffered' in buffered[1]
    assert d.stream_verdict([0.5], 1)[0] is True


def test_certificate():
    now = 1790000000  # 2026-09-21
    info = {'not_after': '20270101000000Z', 'subject_alt_name': ['DNS:llm.example.lan', 'IP:127.0.0.1']}
    assert d.evaluate_certificate(info, ['llm.example.lan'], 'acme', 14, now=now)['result'] == 'ok'
    f = d.evaluate_certificate(info, ['chat.example.lan'], 'acme', 14, now=now)
    assert f['result'] == 'fail' and 'gateway_server_aliases' in f['fix']
    expired = d.evaluate_certificate(dict(info, not_after='20200101000000Z'), [], 'acme', 14, now=now)
    assert expired['result'] == 'fail' and 'certbot.timer' in expired['fix']
    soon = d.evaluate_certificate(info, [], 'provided', 14, now=1798700000)
    assert soon['result'] == 'warn'
    wildcard = dict(info, subject_alt_name=['DNS:*.example.lan'])
    assert d.evaluate_certificate(wildcard, ['llm.example.lan'], 'provided', 14, now=now)['result'] == 'ok'
    assert d.evaluate_timer('certbot.timer', {'ActiveState': 'inactive'})['result'] == 'fail'


def test_docker_on_loopback():
    f = d.evaluate_docker({'ok': False, 'kind': 'refused', 'message': 'Connection refused'}, 'busybox:latest',
                          'http://host.docker.internal:11434', '127.0.0.1')
    assert f['result'] == 'fail' and 'listens on 127.0.0.1 only' in f['cause']
    assert f['fix'].startswith('set ollama_bind_address: 0.0.0.0')
    assert d.evaluate_docker({'skipped': True, 'message': 'no image'}, 'x', 'u', None)['result'] == 'skip'
    # the inventory says 0.0.0.0 but a hand-made drop-in binds loopback: the drop-in is named
    dropins = {'/etc/systemd/system/ollama.service.d/99-hand.conf': 'Environment="OLLAMA_HOST=127.0.0.1:11434"'}
    f = d.evaluate_docker({'ok': False, 'kind': 'refused'}, 'img', 'http://host.docker.internal:11434', '0.0.0.0',
                          d.parse_ss_listen(SS), 11434, dropins, '10-localllm.conf')
    assert 'listens on 127.0.0.1 only' in f['cause'] and '99-hand.conf' in f['fix']
    timeout = d.evaluate_docker({'ok': False, 'kind': 'timeout'}, 'img', 'u', '0.0.0.0',
                                d.parse_ss_listen(SS_WILDCARD))
    assert 'firewall_allow_docker_networks' in timeout['fix']


def test_table_has_cause_and_fix():
    findings = [d.finding('service ollama', 'ok', 'active (running)'),
                d.finding('listen :11434', 'fail', 'Ollama listens on 127.0.0.1:11434 only', 'set ollama_bind_address')]
    lines = d.render_table('server1 (server)', findings)
    text = '\n'.join(lines)
    assert lines[0] == 'server1 (server)' and 'CHECK' in lines[1]
    assert 'FAIL' in text and 'fix: set ollama_bind_address' in text and '1 ok' in text and '1 failed' in text
    assert d.finding('x', 'ok', 'fine', 'ignored')['fix'] == ''


# --- probes against a local HTTP server ---------------------------------------------------------------------------

class _Handler(http.server.BaseHTTPRequestHandler):
    seen = []

    def log_message(self, *args):
        pass

    def do_GET(self):  # noqa: N802
        _Handler.seen.append((self.path, self.headers.get('Host'), self.headers.get('Authorization')))
        if self.path == '/redirect':
            self.send_response(302)
            self.send_header('Location', 'http://example.invalid/steal')
            self.end_headers()
            return
        body = json.dumps({'version': '0.13.5'}).encode()
        self.send_response(200)
        self.send_header('Content-Type', 'application/json')
        self.send_header('Content-Length', str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_POST(self):  # noqa: N802
        self.rfile.read(int(self.headers.get('Content-Length', 0)))
        self.send_response(200)
        self.send_header('Content-Type', 'application/x-ndjson')
        self.end_headers()
        for i in range(4):
            self.wfile.write(b'{"response":"t%d"}\n' % i)
            self.wfile.flush()
            time.sleep(0.06)


@pytest.fixture
def server():
    httpd = http.server.ThreadingHTTPServer(('127.0.0.1', 0), _Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    _Handler.seen = []
    yield 'http://127.0.0.1:%d' % httpd.server_address[1]
    httpd.shutdown()


def test_http_probe_sends_the_host_header_and_never_follows_redirects(server):
    r = d.http_probe(server + '/api/version', headers={'Host': 'localhost:11434'})
    assert r['ok'] and r['json'] == {'version': '0.13.5'}
    assert _Handler.seen[-1] == ('/api/version', 'localhost:11434', None)
    r = d.http_probe(server + '/redirect', headers={'Authorization': 'Bearer secret'})
    assert r['status'] == 302 and not r['ok']
    assert [s[0] for s in _Handler.seen] == ['/api/version', '/redirect']


def test_http_probe_streams(server):
    r = d.http_probe(server + '/api/generate', method='POST', body={'model': 'x'}, stream=True)
    assert r['lines'] == 4
    assert d.stream_verdict(r['arrivals'], r['lines'])[0] is True


def test_tcp_probe_refused():
    sock = socket.socket()
    sock.bind(('127.0.0.1', 0))
    port = sock.getsockname()[1]
    sock.close()
    r = d.tcp_probe('127.0.0.1', port, 2)
    assert r == {'ok': False, 'kind': 'refused', 'message': '127.0.0.1:%d: connection refused' % port}
    assert d.http_probe('http://127.0.0.1:%d/' % port)['kind'] == 'refused'


def test_listen_overridden_by_a_hand_made_drop_in_names_the_file():
    dropins = {'/etc/systemd/system/ollama.service.d/10-localllm.conf': 'Environment="OLLAMA_HOST=0.0.0.0:11434"\n',
               '/etc/systemd/system/ollama.service.d/99-hand.conf':
                   '[Service]\nEnvironment="OLLAMA_HOST=127.0.0.1:11434"\n'}
    f = d.evaluate_listen(d.parse_ss_listen(SS), 11434, '0.0.0.0', [{'host': 'gw1', 'address': '10.0.0.5'}],
                          dropins=dropins, managed_dropin='10-localllm.conf')
    assert f['result'] == 'fail' and '99-hand.conf overrides OLLAMA_HOST' in f['cause']
    assert f['fix'].startswith('remove OLLAMA_HOST from /etc/systemd/system/ollama.service.d/99-hand.conf')
    assert '10-localllm.conf' not in f['fix']
