#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) 2026, localllm maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
module: ollama_diagnose
short_description: Say why a client cannot reach an Ollama server or gateway, and what to change in the inventory
version_added: 0.1.0
author: localllm maintainers (@localllm)
description:
  - Runs read-only checks on the host (an Ollama server, a gateway, or the controller as a client) and compares
    what it observes with the intended state passed in O(checks) (what the inventory and the roles say).
  - Each check yields a finding with a result (V(ok), V(warn), V(fail), V(skip)), the cause, and a fix that names
    the inventory variable to change. The playbook C(localllm.ollama.diagnose) builds the checks from the roles'
    variables; this module is its host-side half.
  - Observations come from C(systemctl show), C(journalctl), C(ss -ltnp), C(ufw status verbose), C(nginx -t),
    C(df) (statvfs), the PCI bus and C(nvidia-smi) (like M(localllm.ollama.gpu_info)) and plain TCP/HTTP(S)
    requests that never follow redirects.
  - Never fails because a check failed (RV(failed_checks) lists them); fails only on invalid options.
  - Never changes the configuration and never restarts anything. The V(docker) check starts a throw-away
    container (C(docker run --rm)) from a local image; it never pulls an image.
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
attributes:
  check_mode:
    support: full
    details:
      - The checks only read, so they run in check mode too.
  diff_mode:
    support: none
  idempotent:
    description: Running the module again changes nothing.
    support: full
  platform:
    platforms: posix
options:
  label:
    description: Title of the table in RV(table), usually the inventory host name.
    type: str
    default: ""
  timeout:
    description: Seconds each network probe may take.
    type: float
    default: 5.0
  checks:
    description:
      - The checks to run, in order. Each item has a O(checks[].type) and the options of that type.
      - V(service) - the systemd unit O(checks[].service) is active; otherwise the cause from its journal (C($HOME
        is not defined), a bad C(OLLAMA_ORIGINS) and the drop-in that sets it, permission denied on the models
        directory, address already in use and who holds the port), crash loops included.
      - V(listen) - what listens on O(checks[].port) (C(ss -ltnp)) vs O(checks[].bind_address), and whether every
        gateway in O(checks[].remote_gateways) can connect to it.
      - V(api) - C(GET /api/version) at O(checks[].url) answers.
      - V(firewall) - UFW lets every source of O(checks[].sources) reach O(checks[].port)/tcp (first match wins,
        like UFW).
      - V(gpu) - GPUs on the host vs what Ollama uses (the C(inference compute) startup log line and
        C(/api/ps) C(size_vram) at O(checks[].url)); a GPU with CPU inference is a failure.
      - V(disk) - at least O(checks[].min_free_gib) GiB free under O(checks[].path).
      - V(models) - every model of O(checks[].names) is listed by C(/api/tags) at O(checks[].url).
      - V(nginx) - C(nginx -t).
      - V(backend) - from this host, TCP to O(checks[].address):O(checks[].port), then C(/api/version) with the
        Host header O(checks[].host_header); O(checks[].server) names the backend's inventory host.
      - V(certificate) - O(checks[].info) (the result of M(community.crypto.x509_certificate_info)) names every
        name of O(checks[].names) and is valid for at least O(checks[].min_days) days.
      - V(timer) - the systemd timer O(checks[].unit) is active.
      - V(auth) - C(/api/tags) at O(checks[].url) answers 401 without credentials and 200 with O(checks[].key).
      - V(client) - the client's view of O(checks[].url), step by step - DNS, TCP, TLS verification (against
        O(checks[].ca_path) or the system CAs), the key, a browser O(checks[].origin) when given, and a tiny streamed
        generation with O(checks[].model)
        that must arrive in several pieces (a buffering proxy is a failure).
      - V(docker) - when Docker is installed, a container from the local image O(checks[].image) on the default
        bridge, with C(--add-host host.docker.internal:host-gateway), reaches O(checks[].url) (with C(curl),
        C(wget) or C(python3) from the image). Skipped when Docker or the image is missing.
    type: list
    elements: dict
    required: true
    suboptions:
      type:
        description: What to check.
        type: str
        required: true
        choices: [service, listen, api, firewall, gpu, disk, models, nginx, backend, certificate, timer, auth,
                  client, docker]
      name:
        description: Label of an V(api) check (for example V(loopback)).
        type: str
      service:
        description: V(service) - the systemd unit name without C(.service).
        type: str
        default: ollama
      managed_dropin:
        description:
          - V(service), V(listen), V(docker) - the file name of the drop-in the role writes
            (C(ollama_systemd_dropin_name)); other drop-ins that set C(OLLAMA_ORIGINS) or C(OLLAMA_HOST) are named as the cause.
        type: str
      port:
        description: V(service), V(listen), V(firewall), V(backend), V(docker) - the TCP port (Ollama's, for V(docker)).
        type: int
        default: 11434
      bind_address:
        description: V(listen), V(docker) - the configured C(ollama_bind_address).
        type: str
      remote_gateways:
        description: V(listen) - gateways on other hosts, each C({host, address}) with the address they connect to.
        type: list
        elements: dict
      url:
        description: V(api), V(gpu), V(models), V(auth), V(client), V(docker) - the URL to use.
        type: str
      names:
        description: V(models) - the models that must be installed; V(certificate) - the names it must cover.
        type: list
        elements: str
      path:
        description: V(disk) - the directory to measure (its nearest existing parent is measured when missing).
        type: path
      min_free_gib:
        description: V(disk) - the least free space, in GiB.
        type: float
        default: 5.0
      sources:
        description: V(firewall) - the hosts that must reach the port, each C({host, address}).
        type: list
        elements: dict
      managed:
        description: V(firewall) - the firewall role manages this host (an inactive UFW is then a warning).
        type: bool
        default: true
      server:
        description: V(backend) - the inventory name of the backend.
        type: str
      address:
        description: V(backend) - the address the gateway connects to.
        type: str
      host_header:
        description: V(backend) - the Host header the gateway sends to Ollama.
        type: str
      info:
        description: V(certificate) - the registered result of M(community.crypto.x509_certificate_info).
        type: dict
      mode:
        description: V(certificate) - C(gateway_tls_mode), for the fix text.
        type: str
      min_days:
        description: V(certificate) - fewest days of validity left before it is a warning.
        type: int
        default: 14
      unit:
        description: V(timer) - the timer unit, for example V(certbot.timer).
        type: str
      key:
        description: V(auth), V(client) - the API key (sent as C(Authorization Bearer)).
        type: str
      key_var:
        description: V(auth), V(client) - the variable the key comes from, for the fix text.
        type: str
      headers:
        description: V(auth), V(client) - extra request headers (for example V(Host)).
        type: dict
      connect_to:
        description: V(auth) - connect to this address instead of the URL's host (the URL's name is still verified).
        type: str
      ca_path:
        description: V(auth), V(client) - CA bundle to verify the gateway certificate with; empty uses the system CAs.
        type: path
      validate_certs:
        description: V(auth), V(client) - verify TLS certificates.
        type: bool
        default: true
      model:
        description: V(client) - the model of the streamed generation; without it that step is skipped.
        type: str
      origin:
        description:
          - V(client) - a browser Origin (for example V(https://chat.example.com)) to send with the key; a 403 (the
            CORS check of Ollama or of the gateway) is a failure. Without it that step is not run.
        type: str
      image:
        description: V(docker) - a local image with C(curl), C(wget) or C(python3); it is never pulled.
        type: str
notes:
  - The V(service), V(firewall) and V(listen) checks need root to read the journal, UFW and the owners of
    sockets (use C(become)).
seealso:
  - module: localllm.ollama.ollama_verify
  - module: localllm.ollama.gpu_info
"""

EXAMPLES = r"""
- name: Diagnose an Ollama server behind a gateway on another host
  localllm.ollama.ollama_diagnose:
    label: "{{ inventory_hostname }}"
    checks:
      - {type: service, service: ollama}
      - {type: listen, port: 11434, bind_address: 0.0.0.0,
         remote_gateways: [{host: gw1.example.lan, address: 192.0.2.11}]}
      - {type: api, name: loopback, url: "http://127.0.0.1:11434"}
      - {type: firewall, port: 11434, sources: [{host: gw1.example.lan, address: 192.0.2.10}]}
      - {type: gpu, url: "http://127.0.0.1:11434"}
      - {type: disk, path: /usr/share/ollama/.ollama/models}
      - {type: models, url: "http://127.0.0.1:11434", names: [llama3.1:8b]}
  become: true
  register: diag

- name: Show the table
  ansible.builtin.debug:
    msg: "{{ diag.table }}"

- name: The client's view of a gateway, from the controller
  localllm.ollama.ollama_diagnose:
    label: client
    checks:
      - {type: client, url: "https://llm.example.lan", key: "{{ vault_key }}", model: llama3.1:8b}
  delegate_to: localhost
"""

RETURN = r"""
findings:
  description: One item per check, in order.
  returned: always
  type: list
  elements: dict
  contains:
    check:
      description: What was checked.
      type: str
      sample: listen :11434
    result:
      description: V(ok), V(warn), V(fail) or V(skip).
      type: str
      sample: fail
    cause:
      description: What was found.
      type: str
      sample: "Ollama listens on 127.0.0.1:11434 (ollama) only, but the gateway gw1 connects to 10.0.0.5:11434"
    fix:
      description: What to change (the inventory variable), empty when the result is V(ok) or V(skip).
      type: str
      sample: "set ollama_bind_address: 0.0.0.0 (the gateway gw1 connects to 10.0.0.5:11434) and run site.yml"
failed_checks:
  description: The names of the checks whose result is V(fail).
  returned: always
  type: list
  elements: str
  sample: [listen :11434]
counts:
  description: How many findings have each result.
  returned: always
  type: dict
  sample: {ok: 6, warn: 0, fail: 1, skip: 0}
table:
  description: The findings as readable lines (check, result, cause and fix).
  returned: always
  type: list
  elements: str
"""

import ipaddress
import os
import traceback

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.localllm.ollama.plugins.module_utils import _diagnose as diag
from ansible_collections.localllm.ollama.plugins.module_utils._gpu import gather as gpu_gather

TYPES = ['service', 'listen', 'api', 'firewall', 'gpu', 'disk', 'models', 'nginx', 'backend', 'certificate',
         'timer', 'auth', 'client', 'docker']

SHOW_PROPS = ['LoadState', 'ActiveState', 'SubState', 'Result', 'NRestarts', 'ActiveEnterTimestamp', 'DropInPaths',
              'ExecMainStatus', 'UnitFileState', 'NextElapseUSecRealtime']

# Run inside the container of the docker check: the first HTTP client the image has.
DOCKER_PROBE = r'''u="$1"
if command -v curl >/dev/null 2>&1; then curl -sS -m 5 -o /dev/null -w 'HTTP %{http_code}\n' "$u"
elif command -v wget >/dev/null 2>&1; then wget -q -T 5 -O /dev/null "$u" 2>&1 && echo 'HTTP 200'
elif command -v python3 >/dev/null 2>&1; then python3 -c "
import sys, http.client, urllib.parse
u = urllib.parse.urlsplit(sys.argv[1])
conn = (http.client.HTTPSConnection if u.scheme == 'https' else http.client.HTTPConnection)(u.hostname, u.port, timeout=5)
try:
    conn.request('GET', u.path or '/')
    print('HTTP', conn.getresponse().status)
except Exception as e:
    print('ERROR', e)
    raise SystemExit(1)" "$u"
else echo 'NO_CLIENT'; exit 3; fi'''


class Diagnoser(object):
    def __init__(self, module):
        self.module = module
        self.timeout = module.params['timeout']
        self.state = {'service_ok': True, 'journal': [], 'listeners': None}

    def run(self, argv):
        return self.module.run_command(argv, environ_update={'LC_ALL': 'C', 'LANG': 'C'})

    def which(self, name):
        return self.module.get_bin_path(name)

    def show(self, unit):
        systemctl = self.which('systemctl')
        if not systemctl:
            return {}
        argv = [systemctl, 'show', '--no-pager']
        for prop in SHOW_PROPS:
            argv += ['-p', prop]
        rc, out, dummy = self.run(argv + [unit])
        return diag.parse_systemctl_show(out) if rc == 0 else {}

    def journal(self, unit, lines=300):
        journalctl = self.which('journalctl')
        if not journalctl:
            return []
        rc, out, dummy = self.run([journalctl, '-u', unit, '-n', str(lines), '-o', 'cat', '--no-pager'])
        return out.splitlines() if rc == 0 else []

    def listeners(self):
        if self.state['listeners'] is None:
            ss = self.which('ss')
            rc, out, dummy = self.run([ss, '-H', '-ltnp']) if ss else (1, '', '')
            self.state['listeners'] = diag.parse_ss_listen(out) if rc == 0 else []
        return self.state['listeners']

    def api_json(self, url, path):
        probe = diag.http_probe(url.rstrip('/') + path, timeout=self.timeout)
        return probe.get('json') if probe.get('ok') else None

    # --- one method per check type ---
    def check_service(self, c):
        name = c['service']
        show = self.show(name + '.service')
        journal = self.journal(name + '.service')
        dropins = {}
        for path in (show.get('DropInPaths') or '').split():
            try:
                with open(path) as handle:
                    dropins[path] = handle.read()
            except (IOError, OSError):
                continue
        found = diag.evaluate_service(name, show, journal, dropins, c['port'], self.listeners(), c['managed_dropin'])
        self.state['service_ok'] = found['result'] == diag.OK
        self.state['journal'] = journal
        self.state['dropins'] = dropins
        return [found]

    def check_listen(self, c):
        found = diag.evaluate_listen(self.listeners(), c['port'], c['bind_address'], c['remote_gateways'] or [],
                                     self.state['service_ok'], self.state.get('dropins'), c['managed_dropin'])
        if found['result'] == diag.FAIL:
            self.state['listen_fix'] = 'see the listen check above: ' + found['fix']
        return [found]

    def check_api(self, c):
        url = c['url'].rstrip('/')
        probe = diag.http_probe(url + '/api/version', timeout=self.timeout)
        if probe.get('ok') and isinstance(probe.get('json'), dict):
            probe['version'] = probe['json'].get('version')
        return [diag.evaluate_api(c['name'] or url, url, probe, var_hint=self.state.get('listen_fix', ''),
                                  service_ok=self.state['service_ok'])]

    def check_firewall(self, c):
        ufw = self.which('ufw')
        status = None
        if ufw:
            rc, out, err = self.run([ufw, 'status', 'verbose'])
            if rc != 0:
                return [diag.finding('firewall :%s' % c['port'], diag.WARN, 'ufw status failed: %s' % (
                    err or out).strip(), 'run the diagnosis with become (root reads the UFW rules)')]
            status = diag.parse_ufw_status(out)
        return [diag.evaluate_firewall(status, c['port'], c['sources'] or [], c['managed'])]

    def check_gpu(self, c):
        gpus = gpu_gather(self.run, nvidia_smi=self.module.get_bin_path('nvidia-smi', opt_dirs=['/usr/bin']))
        ps = self.api_json(c['url'], '/api/ps') if c['url'] else None
        journal = self.state['journal'] or self.journal('ollama.service')
        return [diag.evaluate_gpu(gpus, (ps or {}).get('models', []), diag.journal_compute(journal),
                                  self.state['service_ok'])]

    def check_disk(self, c):
        path = c['path']
        probe = path
        while probe and not os.path.exists(probe):
            parent = os.path.dirname(probe)
            probe = parent if parent != probe else ''
        if not probe:
            return [diag.evaluate_disk(path, None, None, c['min_free_gib'])]
        st = os.statvfs(probe)
        return [diag.evaluate_disk(path, st.f_bavail * st.f_frsize, st.f_blocks * st.f_frsize, c['min_free_gib'])]

    def check_models(self, c):
        tags = self.api_json(c['url'], '/api/tags')
        installed = None if tags is None else [m.get('name', '') for m in tags.get('models', [])]
        try:
            from ansible_collections.localllm.ollama.plugins.module_utils._grammar import model_key
        except ImportError:  # pragma: no cover
            model_key = None
        return [diag.evaluate_models(c['names'] or [], installed, self.state['service_ok'], key=model_key)]

    def check_nginx(self, c):
        nginx = self.which('nginx') or '/usr/sbin/nginx'
        rc, out, err = self.run([nginx, '-t'])
        return [diag.evaluate_nginx(rc, (out or '') + (err or ''))]

    def check_backend(self, c):
        address = c['address']
        port = c['port']
        tcp = diag.tcp_probe(address, port, self.timeout)
        http = {}
        host_header = c['host_header'] or 'localhost:%s' % port
        if tcp.get('ok'):
            host = '[%s]' % address if ':' in address else address
            http = diag.http_probe('http://%s:%s/api/version' % (host, port), headers={'Host': host_header},
                                   timeout=self.timeout)
            if http.get('ok') and isinstance(http.get('json'), dict):
                http['version'] = http['json'].get('version')
        return [diag.evaluate_backend(c['server'] or address, address, port, tcp, http, host_header)]

    def check_certificate(self, c):
        return [diag.evaluate_certificate(c['info'], c['names'] or [], c['mode'] or '?', c['min_days'])]

    def check_timer(self, c):
        return [diag.evaluate_timer(c['unit'], self.show(c['unit']))]

    def _auth_headers(self, c, key):
        headers = dict(c['headers'] or {})
        if key:
            headers['Authorization'] = 'Bearer ' + key
        return headers

    def check_auth(self, c):
        url = c['url'].rstrip('/') + '/api/tags'
        common = dict(timeout=self.timeout, verify=c['validate_certs'], ca_path=c['ca_path'] or None,
                      connect_to=c['connect_to'] or None)
        anonymous = diag.http_probe(url, headers=self._auth_headers(c, None), **common)
        keyed = diag.http_probe(url, headers=self._auth_headers(c, c['key']), **common) if c['key'] else None
        return diag.evaluate_auth(c['url'], anonymous, keyed, c['key_var'] or 'the key')

    def check_client(self, c):
        url = c['url'].rstrip('/')
        parts = diag.urlsplit(url)
        host = parts.hostname
        port = parts.port or (443 if parts.scheme == 'https' else 80)
        steps = {}
        try:
            ipaddress.ip_address(host)
            steps['dns'] = {'skipped': True, 'message': '%s is an address' % host}
        except ValueError:
            steps['dns'] = diag.dns_probe(host)
        steps['tcp'] = diag.tcp_probe(host, port, self.timeout)
        common = dict(timeout=self.timeout, verify=c['validate_certs'], ca_path=c['ca_path'] or None)
        if parts.scheme == 'https':
            tls = diag.http_probe(url + '/api/version', headers=dict(c['headers'] or {}), **common)
            if tls.get('kind') in ('tls', 'tls_verify', 'refused', 'timeout', 'error'):
                steps['tls'] = tls
            else:
                verified = 'certificate verified against %s' % (c['ca_path'] or 'the system CAs')
                steps['tls'] = {'ok': True, 'message': verified if c['validate_certs'] else
                                'not verified (validate_certs: false)'}
        else:
            steps['tls'] = {'skipped': True, 'message': 'plain http: nothing to verify (keys travel in clear text)'}
        auth = diag.http_probe(url + '/api/tags', headers=self._auth_headers(c, c['key']), **common)
        if auth.get('ok'):
            steps['auth'] = {'ok': True, 'message': 'the key is accepted (HTTP %s)' % auth['status']}
        else:
            steps['auth'] = auth
        if c['origin']:
            headers = self._auth_headers(c, c['key'])
            headers['Origin'] = c['origin']
            probe = diag.http_probe(url + '/api/tags', headers=headers, **common)
            accepted = {'ok': True, 'message': 'Origin %s is accepted (HTTP %s)' % (c['origin'], probe.get('status'))}
            steps['origin'] = accepted if probe.get('ok') else dict(probe, origin=c['origin'])
        if c['model']:
            start_body = {'model': c['model'], 'prompt': 'Say hello.', 'stream': True,
                          'options': {'num_predict': 8}}
            # a first token may need a model load: a longer timeout than the other probes
            gen = diag.http_probe(url + '/api/generate', headers=self._auth_headers(c, c['key']), method='POST',
                                  body=start_body, stream=True, timeout=max(self.timeout, 60),
                                  verify=common['verify'], ca_path=common['ca_path'])
            if gen.get('ok'):
                streamed, text = diag.stream_verdict(gen.get('arrivals', []), gen.get('lines', 0))
                steps['stream'] = {'ok': streamed, 'kind': None if streamed else 'buffered', 'message': text}
            else:
                steps['stream'] = gen
        else:
            steps['stream'] = {'skipped': True, 'message': 'no model given (diagnose_client_model)'}
        return diag.evaluate_client(steps, url, c['key_var'] or 'the key', 'diagnose_client_ca_path')

    def check_docker(self, c):
        docker = self.which('docker')
        image = c['image']
        if not docker:
            return [diag.evaluate_docker({'skipped': True, 'message': 'Docker is not installed'}, image, c['url'],
                                         c['bind_address'])]
        rc, dummy, err = self.run([docker, 'image', 'inspect', '--format', '{{.Id}}', image])
        if rc != 0:
            return [diag.evaluate_docker({'skipped': True, 'message': (
                'the image %s is not on this host (nothing is pulled): set diagnose_docker_image to a local image '
                'with curl, wget or python3' % image) if 'No such' in err or 'not found' in err.lower()
                else 'docker image inspect failed: %s' % err.strip()}, image, c['url'], c['bind_address'])]
        rc, out, err = self.run([docker, 'run', '--rm', '--network', 'bridge', '--pull', 'never',
                                 '--add-host', 'host.docker.internal:host-gateway', '--entrypoint', 'sh', image,
                                 '-c', DOCKER_PROBE, 'sh', c['url'].rstrip('/') + '/api/version'])
        text = ((out or '') + (err or '')).strip()
        probe = {'ok': False, 'message': text}
        if 'NO_CLIENT' in text:
            probe = {'skipped': True, 'message': 'the image %s has no curl, wget or python3 (diagnose_docker_image)'
                     % image}
        elif text.startswith('HTTP ') and text[5:8].isdigit() and int(text[5:8]) < 500:
            probe = {'ok': True, 'message': text.splitlines()[0]}
        elif 'refused' in text.lower():
            probe['kind'] = 'refused'
        elif 'timed out' in text.lower() or 'timeout' in text.lower():
            probe['kind'] = 'timeout'
        return [diag.evaluate_docker(probe, image, c['url'], c['bind_address'], self.listeners(), c['port'],
                                     self.state.get('dropins'), c['managed_dropin'])]


REQUIRED = {
    'api': ['url'], 'models': ['url'], 'auth': ['url'], 'client': ['url'], 'docker': ['url', 'image'],
    'disk': ['path'], 'backend': ['address'], 'timer': ['unit'], 'certificate': ['info'],
}


def main():
    module = AnsibleModule(
        argument_spec=dict(
            label=dict(type='str', default=''),
            timeout=dict(type='float', default=5.0),
            checks=dict(type='list', elements='dict', required=True, options=dict(
                type=dict(type='str', required=True, choices=TYPES),
                name=dict(type='str'),
                service=dict(type='str', default='ollama'),
                managed_dropin=dict(type='str'),
                port=dict(type='int', default=11434),
                bind_address=dict(type='str'),
                remote_gateways=dict(type='list', elements='dict'),
                url=dict(type='str'),
                names=dict(type='list', elements='str'),
                path=dict(type='path'),
                min_free_gib=dict(type='float', default=5.0),
                sources=dict(type='list', elements='dict'),
                managed=dict(type='bool', default=True),
                server=dict(type='str'),
                address=dict(type='str'),
                host_header=dict(type='str'),
                info=dict(type='dict'),
                mode=dict(type='str'),
                min_days=dict(type='int', default=14),
                unit=dict(type='str'),
                key=dict(type='str', no_log=True),
                key_var=dict(type='str', no_log=False),
                headers=dict(type='dict'),
                connect_to=dict(type='str'),
                ca_path=dict(type='path'),
                validate_certs=dict(type='bool', default=True),
                model=dict(type='str'),
                origin=dict(type='str'),
                image=dict(type='str'),
            )),
        ),
        supports_check_mode=True,
    )
    errors = ['%s needs %s' % (c['type'], ', '.join(k for k in REQUIRED.get(c['type'], []) if not c.get(k)))
              for c in module.params['checks'] if any(not c.get(k) for k in REQUIRED.get(c['type'], []))]
    if errors:
        module.fail_json(msg='invalid checks: ' + '; '.join(errors))
    diagnoser = Diagnoser(module)
    findings = []
    try:
        for check in module.params['checks']:
            findings.extend(getattr(diagnoser, 'check_' + check['type'])(check))
    except Exception as e:  # pylint: disable=broad-except
        module.fail_json(msg='unexpected error: %s' % e, exception=traceback.format_exc())
    module.exit_json(changed=False, findings=findings,
                     failed_checks=[f['check'] for f in findings if f['result'] == diag.FAIL],
                     counts=diag.summarize(findings),
                     table=diag.render_table(module.params['label'], findings))


if __name__ == '__main__':
    main()
