# -*- coding: utf-8 -*-
# Copyright (c) 2026, localllm maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# PRIVATE: this module_util is internal to the localllm.ollama collection. It is not a public API, it is not
# covered by semantic versioning and it may change or disappear in any release. Do not import it from other
# collections or from playbooks.

"""Diagnosis for localllm.ollama.ollama_diagnose (playbooks/diagnose.yml): observations -> findings -> table.

Three layers, standard library only:
  * parsers of what the diagnostic commands print (``systemctl show``, the journal, ``ss -ltnp``, ``ufw status
    verbose``);
  * evaluators: pure functions from observations plus the intended state (the inventory, as the roles compute it)
    to findings ``{'check', 'result', 'cause', 'fix'}`` whose ``fix`` names the inventory variable to change;
  * probes (TCP, HTTP(S) with a given Host header and CA, streamed generation timing) and the renderer of one
    readable table per host.
The module gathers the observations read-only on the host; everything that decides is here and unit-tested with
journal/ss/ufw samples (tests/unit/plugins/module_utils/test__diagnose.py).
"""

from __future__ import annotations

import ipaddress
import json
import re
import socket
import ssl
import time

import http.client as http_client
from urllib.parse import urlsplit

OK = 'ok'
FAIL = 'fail'
WARN = 'warn'
SKIP = 'skip'
RESULTS = (OK, WARN, FAIL, SKIP)


def finding(check, result, cause='', fix=''):
    return {'check': check, 'result': result, 'cause': cause, 'fix': fix if result in (FAIL, WARN) else ''}


# --- parsers ------------------------------------------------------------------------------------------------------

def parse_systemctl_show(text):
    """`systemctl show -p A -p B unit` output -> {'A': 'value', ...}."""
    out = {}
    for line in (text or '').splitlines():
        if '=' in line:
            key, value = line.split('=', 1)
            out[key.strip()] = value.strip()
    return out


# Causes found in the journal of the Ollama service (ollama-server.md sections 1, 2, 4 and 8; the stand-in prints
# the same texts). Order matters only for lines that match several patterns.
JOURNAL_CAUSES = (
    ('home', re.compile(r'(panic|Error): \$HOME is not defined')),
    ('origins', re.compile(r'panic: (bad origin: .*|only one \* is allowed)')),
    ('models_dir', re.compile(r'Error: (mkdir|open|could not create directory) .*permission denied.*')),
    ('address_in_use', re.compile(r'Error: listen tcp (\S+): bind: address already in use')),
    ('bind_address', re.compile(r'Error: listen tcp (\S+): bind: cannot assign requested address')),
)
_LISTENING = re.compile(r'Listening on (\S+) \(version ([^)]+)\)')
_COMPUTE = re.compile(r'inference compute\b(.*)$')
_KV = re.compile(r'(\w+)=("(?:[^"\\]|\\.)*"|\S*)')


def journal_cause(lines):
    """The cause of the last failed start: (key, line) or (None, None) when the last start reached `Listening on`.

    Only lines after the last `Listening on` count, so an old panic followed by a good start is not reported."""
    found = (None, None)
    for line in lines or []:
        if _LISTENING.search(line):
            found = (None, None)
            continue
        for key, pattern in JOURNAL_CAUSES:
            match = pattern.search(line)
            if match:
                found = (key, match.group(0))
                break
    return found


def journal_listening(lines):
    """(address, version) of the last `Listening on` line, or (None, None)."""
    found = (None, None)
    for line in lines or []:
        match = _LISTENING.search(line)
        if match:
            found = (match.group(1), match.group(2))
    return found


def journal_compute(lines):
    """The key=value fields of the `inference compute` lines of the last start (a list of dicts)."""
    found = []
    for line in lines or []:
        if _LISTENING.search(line):
            found = []
        match = _COMPUTE.search(line)
        if match:
            fields = {}
            for key, value in _KV.findall(match.group(1)):
                if value.startswith('"') and value.endswith('"') and len(value) >= 2:
                    value = value[1:-1]
                fields[key] = value
            found.append(fields)
    return found


def _split_addr(local):
    """'0.0.0.0:11434' / '[::]:11434' / '*:11434' / '127.0.0.1%lo:53' -> (address, port) or (None, None)."""
    if ':' not in local:
        return None, None
    addr, port = local.rsplit(':', 1)
    if addr.startswith('[') and addr.endswith(']'):
        addr = addr[1:-1]
    addr = addr.split('%', 1)[0]
    try:
        return addr, int(port)
    except ValueError:
        return None, None


_SS_USER = re.compile(r'\("([^"]*)",pid=(\d+)')


def parse_ss_listen(text):
    """`ss -H -ltnp` output -> [{'address', 'port', 'process', 'pid'}] (process/pid None without -p rights)."""
    sockets = []
    for line in (text or '').splitlines():
        parts = line.split()
        if len(parts) < 4:
            continue
        if parts[0] in ('LISTEN', 'UNCONN'):
            local = parts[3]
        elif parts[0] == 'State':
            continue
        else:
            local = parts[2] if len(parts) > 2 else ''
        address, port = _split_addr(local)
        if port is None:
            continue
        user = _SS_USER.search(line)
        sockets.append({'address': address, 'port': port, 'process': user.group(1) if user else None,
                        'pid': int(user.group(2)) if user else None})
    return sockets


def is_loopback(address):
    if address in ('localhost',):
        return True
    try:
        return ipaddress.ip_address(address.strip('[]')).is_loopback
    except ValueError:
        return False


def is_wildcard(address):
    return address in ('*', '0.0.0.0', '::', '[::]', '')


def socket_reaches(sock_address, address):
    """Whether a socket listening on sock_address accepts connections made to address."""
    return is_wildcard(sock_address) or _unmapped(sock_address) == _unmapped(address)


def parse_ufw_status(text):
    """`ufw status verbose` -> {'active': bool, 'default_incoming': 'deny'|..., 'rules': [{to, action, from, v6}]}."""
    status = {'active': False, 'default_incoming': None, 'rules': []}
    in_rules = False
    for line in (text or '').splitlines():
        stripped = line.strip()
        if stripped.startswith('Status:'):
            status['active'] = stripped.split(':', 1)[1].strip() == 'active'
            continue
        if stripped.startswith('Default:'):
            match = re.search(r'(\w+) \(incoming\)', stripped)
            status['default_incoming'] = match.group(1) if match else None
            continue
        if re.match(r'^To\s+Action\s+From', stripped):
            continue
        if stripped.startswith('--'):
            in_rules = True
            continue
        if not in_rules or not stripped:
            continue
        body = stripped.split('#', 1)[0].rstrip()
        cols = re.split(r'\s{2,}', body)
        if len(cols) < 3:
            continue
        to, action, source = cols[0], cols[1], cols[2]
        v6 = '(v6)' in to or '(v6)' in source
        action_word = action.split()[0].lower()
        direction = action.split()[1].lower() if len(action.split()) > 1 else 'in'
        if direction != 'in':
            continue
        status['rules'].append({'to': to.replace(' (v6)', ''), 'action': action_word,
                                'from': source.replace(' (v6)', ''), 'v6': v6})
    return status


def _ufw_to_matches(to, port):
    """Whether a rule's To column ('11434/tcp', '80,443/tcp', 'Anywhere', '10.0.0.5 11434/tcp') covers port/tcp."""
    spec = to.split()[-1] if to.split() else to
    if spec.lower().startswith('anywhere'):
        return True
    if '/' in spec:
        ports, proto = spec.rsplit('/', 1)
        if proto not in ('tcp',):
            return False
    else:
        ports = spec
    for part in ports.split(','):
        if ':' in part:
            low, high = part.split(':', 1)
            if low.isdigit() and high.isdigit() and int(low) <= port <= int(high):
                return True
        elif part.isdigit() and int(part) == port:
            return True
    return False


def _ufw_from_matches(source, address):
    if source.lower().startswith('anywhere'):
        return True
    try:
        return ipaddress.ip_address(address) in ipaddress.ip_network(source, strict=False)
    except ValueError:
        return source == address


def ufw_decision(status, port, address):
    """(allowed, rule) for a TCP connection from address to port under this UFW status (first match wins)."""
    if not status.get('active'):
        return True, None
    try:
        v6 = ipaddress.ip_address(address).version == 6
    except ValueError:
        v6 = False
    for rule in status.get('rules', []):
        if rule['v6'] != v6:
            continue
        if _ufw_to_matches(rule['to'], port) and _ufw_from_matches(rule['from'], address):
            return rule['action'] in ('allow', 'limit'), rule
    return (status.get('default_incoming') or 'deny') == 'allow', None


# --- evaluators: observations + intended state -> findings --------------------------------------------------------

def evaluate_service(name, show, journal, dropins=None, port=11434, listeners=None, managed_dropin=None):
    """The Ollama service: active, crash-looping, failed or stopped, with the cause from the journal.

    show: parsed `systemctl show`; journal: the unit's recent log lines; dropins: {path: text} of its drop-ins
    (to name the one that sets a bad OLLAMA_ORIGINS); listeners: parse_ss_listen() (who owns the port)."""
    check = 'service %s' % name
    if show.get('LoadState') == 'not-found' or not show:
        return finding(check, FAIL, 'the unit %s.service does not exist: Ollama is not installed here' % name,
                       'run site.yml (the localllm.ollama.ollama role installs it; ollama_service_name names the unit)')
    active = show.get('ActiveState', '')
    sub = show.get('SubState', '')
    restarts = int(show.get('NRestarts', '0') or 0)
    key, line = journal_cause(journal)
    # a start that panics is "active (running)" for a moment, between two restarts
    # (NRestarts survives a manual stop, so a stopped unit is never "looping")
    stopped = active == 'inactive' and sub == 'dead'
    looping = not stopped and (sub == 'auto-restart' or (restarts >= 1 and (key is not None or active != 'active')))
    if active == 'active' and sub == 'running' and key is None:
        return finding(check, OK, 'active (running) since %s; %d restart(s)' % (
            show.get('ActiveEnterTimestamp', '?'), restarts))
    state = 'crash-looping (%d restarts)' % restarts if looping else '%s (%s)' % (active or '?', sub or '?')
    if key == 'home':
        return finding(check, FAIL, '%s: Ollama starts without HOME ("%s")' % (state, line),
                       'a drop-in or override unsets HOME: remove it (systemctl cat %s shows the files) and run '
                       'site.yml, which sets HOME=ollama_home (keep ollama_home pointing at the service '
                       "account's home)" % name)
    if key == 'origins':
        where = foreign_settings(dropins, 'OLLAMA_ORIGINS', managed_dropin)
        return finding(check, FAIL, '%s: a bad OLLAMA_ORIGINS makes Ollama panic at start ("%s")%s' % (
            state, line, ', set in %s' % ', '.join(where) if where else ''),
            'remove OLLAMA_ORIGINS from %s and set the origins in ollama_origins instead (each entry needs '
            'a scheme such as https:// or is *; the role validates them), then run site.yml' % (
                ', '.join(where) if where else 'the unit (systemctl cat %s)' % name))
    if key == 'models_dir':
        return finding(check, FAIL, '%s: the models directory is not writable ("%s")' % (state, line),
                       'set ollama_models_dir to a directory the service user (ollama_user) may write, or run '
                       'site.yml to repair its ownership')
    if key in ('address_in_use', 'bind_address'):
        owner = ''
        for sock in listeners or []:
            if sock['port'] == port and sock['process'] and sock['process'] != 'ollama':
                owner = ' (%s, pid %s, holds it)' % (sock['process'], sock['pid'])
                break
        if key == 'address_in_use':
            return finding(check, FAIL, '%s: port %s is already taken%s ("%s")' % (state, port, owner, line),
                           'stop the other program or move Ollama to a free port with ollama_port (and '
                           'gateway_upstream_port, firewall_ollama_port on the gateways/firewall)')
        return finding(check, FAIL, '%s: the bind address is not on this host ("%s")' % (state, line),
                       'set ollama_bind_address to an address of this host (or 0.0.0.0)')
    if active == 'active':
        return finding(check, OK, 'active (%s); %d restart(s)' % (sub, restarts))
    if looping or active == 'failed':
        tail = [text for text in (journal or []) if text.strip()][-3:]
        return finding(check, FAIL, '%s; last log lines: %s' % (state, ' | '.join(tail) or '(none)'),
                       'see journalctl -u %s; run site.yml to restore the configuration the inventory describes'
                       % name)
    return finding(check, FAIL, 'stopped: %s (%s), result %s; it was stopped by hand or never started' % (
        active or '?', sub or '?', show.get('Result', '?')),
        'run site.yml (the ollama role starts and enables %s while ollama_service_enabled is true) or '
        'systemctl start %s' % (name, name))


def foreign_settings(dropins, variable, managed=None):
    """The drop-ins (not the role's own, `managed`) that set an environment variable: [path]."""
    pattern = re.compile(r'^\s*Environment\s*=.*\b%s=' % re.escape(variable), re.M)
    return [path for path, text in sorted((dropins or {}).items())
            if pattern.search(text or '') and not (managed and path.endswith('/' + managed))]


def evaluate_listen(listeners, port, bind_address, remote_gateways=None, service_ok=True, dropins=None,
                    managed_dropin=None):
    """Where Ollama really listens vs ollama_bind_address, and whether the gateways on other hosts can connect.

    remote_gateways: [{'host': gateway inventory name, 'address': the address it connects to}]; dropins: the unit's
    drop-ins {path: text} (one outside the role that sets OLLAMA_HOST is named as the cause)."""
    check = 'listen :%s' % port
    mine = [s for s in listeners if s['port'] == port]
    if not mine:
        if not service_ok:
            return finding(check, SKIP, 'nothing listens on port %s (the service is down, see above)' % port)
        return finding(check, FAIL, 'nothing listens on port %s' % port,
                       'set ollama_port to the port Ollama should use and run site.yml')
    shown = ', '.join('%s:%s%s' % (s['address'], s['port'], ' (%s)' % s['process'] if s['process'] else '')
                      for s in mine)
    others = [s for s in mine if s['process'] and 'ollama' not in s['process']]
    if others:
        return finding(check, FAIL, 'port %s belongs to %s, not Ollama' % (port, shown),
                       'stop that program, or set ollama_port to a free port (and gateway_upstream_port)')
    unreachable = []
    for gw in remote_gateways or []:
        if not any(socket_reaches(s['address'], gw['address']) for s in mine):
            unreachable.append(gw)
    wanted = bind_address or '127.0.0.1'
    overrides = foreign_settings(dropins, 'OLLAMA_HOST', managed_dropin)
    if unreachable:
        names = ', '.join('the gateway %s connects to %s:%s' % (g['host'], g['address'], port) for g in unreachable)
        if overrides and not is_loopback(wanted):
            return finding(check, FAIL, 'Ollama listens on %s only, but %s; ollama_bind_address is %s, and %s '
                                        'overrides OLLAMA_HOST' % (shown, names, wanted, ', '.join(overrides)),
                           'remove OLLAMA_HOST from %s (ollama_bind_address: %s is what the inventory wants), '
                           'then systemctl daemon-reload and run site.yml' % (', '.join(overrides), wanted))
        return finding(check, FAIL, 'Ollama listens on %s only, but %s' % (shown, names),
                       'set ollama_bind_address: 0.0.0.0 (%s) and run site.yml; the firewall role opens the port '
                       'to the gateways only' % names)
    if not any(_same_bind(s['address'], wanted) for s in mine):
        return finding(check, WARN, 'listens on %s, but ollama_bind_address is %s' % (shown, wanted),
                       'run site.yml to apply ollama_bind_address (a drop-in outside the role may override '
                       'OLLAMA_HOST: systemctl cat ollama)')
    return finding(check, OK, 'listens on %s (ollama_bind_address %s)' % (shown, wanted))


def _same_bind(sock_address, wanted):
    if is_wildcard(sock_address) or is_wildcard(wanted):
        return is_wildcard(sock_address) and is_wildcard(wanted)
    return _unmapped(sock_address) == _unmapped(wanted.strip('[]')) or (
        wanted == 'localhost' and is_loopback(sock_address))


def _unmapped(address):
    return address[7:] if address.startswith('::ffff:') else address


def describe_error(probe):
    return probe.get('message') or probe.get('kind') or 'error'


def evaluate_api(name, url, probe, var_hint='', service_ok=True):
    """A GET /api/version probe from this host (the server's loopback, or the address the gateways use)."""
    check = 'api %s' % name
    if probe.get('ok'):
        return finding(check, OK, '%s answers: Ollama %s' % (url, probe.get('version', '?')))
    if not service_ok:
        return finding(check, SKIP, '%s: %s (the service is down, see above)' % (url, describe_error(probe)))
    kind = probe.get('kind')
    if kind == 'http' and probe.get('status') == 403:
        return finding(check, FAIL, '%s: HTTP 403 from Ollama: its Host check refuses the request' % url,
                       'send Host: localhost:<port> from the proxy (gateway_upstream_host_header) or list the name '
                       'in ollama_origins')
    if kind == 'refused':
        return finding(check, FAIL, '%s: connection refused: Ollama does not listen there' % url,
                       var_hint or 'set ollama_bind_address to the address clients use (0.0.0.0 for every '
                       'address) and run site.yml')
    return finding(check, FAIL, '%s: %s' % (url, describe_error(probe)),
                   var_hint or 'run site.yml; see journalctl -u ollama')


def evaluate_firewall(ufw, port, sources, managed=True):
    """UFW vs the gateways that must reach the Ollama port: sources = [{'host', 'address'}]."""
    check = 'firewall :%s' % port
    if ufw is None:
        return finding(check, SKIP, 'ufw is not installed; nothing to compare (the TCP checks from the gateways '
                                    'prove the path)')
    if not ufw.get('active'):
        return finding(check, WARN if managed else OK, 'UFW is inactive: port %s is open to everyone' % port,
                       'run site.yml with the firewall role (ollama_site_firewall: true) so only the gateways '
                       'reach Ollama')
    blocked = []
    for src in sources or []:
        allowed, rule = ufw_decision(ufw, port, src['address'])
        if not allowed:
            blocked.append('%s (%s)%s' % (src['host'], src['address'], ': %s %s from %s' % (
                rule['action'].upper(), rule['to'], rule['from']) if rule else ': default %s' % (
                ufw.get('default_incoming') or 'deny')))
    if blocked:
        return finding(check, FAIL, 'UFW blocks port %s/tcp for %s' % (port, '; '.join(blocked)),
                       'run site.yml: the firewall role opens firewall_ollama_port to the hosts of '
                       'firewall_ollama_allowed_group (at firewall_address, else ansible_host); add other sources to '
                       'firewall_ollama_allowed_cidrs, and remove hand-made ufw deny rules')
    if not sources:
        return finding(check, OK, 'UFW active; no gateway on another host needs port %s/tcp' % port)
    return finding(check, OK, 'UFW active; port %s/tcp allowed from %s' % (
        port, ', '.join('%s (%s)' % (s['host'], s['address']) for s in sources)))


def evaluate_gpu(gpus, ps_models, compute, service_ok=True):
    """GPUs on the host (gpu_info's gather()) vs what Ollama uses (the startup compute line, /api/ps size_vram)."""
    check = 'gpu'
    present = bool(gpus.get('nvidia_present') or gpus.get('amd_present'))
    libraries = sorted(set(c.get('library', '') for c in compute if c.get('library')))
    on_cpu = [m.get('name') for m in ps_models or [] if not m.get('size_vram')]
    if not present:
        return finding(check, OK, 'no GPU on this host: CPU inference (compute: %s)' % (
            ', '.join(libraries) or 'not logged'))
    names = ', '.join(g.get('name') or '?' for g in gpus.get('gpus', [])) or 'a GPU on the PCI bus'
    warnings = '; '.join(gpus.get('gpu_warnings') or [])
    if not service_ok:
        return finding(check, SKIP, '%s present; Ollama is down (see above)' % names)
    if (libraries and set(libraries) <= {'cpu'}) or on_cpu:
        cause = '%s present but Ollama runs on the CPU (compute: %s%s)%s' % (
            names, ', '.join(libraries) or 'not logged',
            '; loaded without VRAM: %s' % ', '.join(on_cpu) if on_cpu else '',
            '; %s' % warnings if warnings else '')
        return finding(check, FAIL, cause,
                       'install the GPU driver (nvidia-smi must work; for containers run the '
                       'localllm.ollama.nvidia_container_toolkit role), check ollama_visible_devices and '
                       'ollama_gpu_bundles, then restart Ollama through site.yml')
    return finding(check, OK, '%s; Ollama uses %s' % (names, ', '.join(libraries) or 'the GPU (per /api/ps)'))


def evaluate_disk(path, free_bytes, total_bytes, min_free_gib):
    check = 'disk'
    if free_bytes is None:
        return finding(check, WARN, '%s does not exist (nothing above it could be measured)' % path,
                       'run site.yml (ollama_models_dir)')
    free_gib = free_bytes / 1024.0 ** 3
    text = '%s: %.1f GiB free of %.1f GiB' % (path, free_gib, (total_bytes or 0) / 1024.0 ** 3)
    if free_gib < min_free_gib:
        return finding(check, FAIL, '%s (below %s GiB): pulls will fail' % (text, min_free_gib),
                       'free space, or set ollama_models_dir to a bigger file system (the diagnose threshold is '
                       'diagnose_min_free_gib)')
    return finding(check, OK, text)


def evaluate_models(wanted, installed, service_ok=True, key=None):
    """Models the inventory lists (ollama_models/ollama_custom_models) vs /api/tags."""
    check = 'models'
    if installed is None:
        return finding(check, SKIP, 'the API did not answer (see above)')
    key = key or (lambda name: name if ':' in name.rsplit('/', 1)[-1] else name + ':latest')
    have = set(key(n) for n in installed)
    missing = [n for n in wanted if key(n) not in have]
    if missing:
        return finding(check, FAIL, 'configured but missing: %s (installed: %s)' % (
            ', '.join(missing), ', '.join(sorted(installed)) or 'none'),
            'run site.yml to pull them (ollama_models), or remove them from ollama_models')
    return finding(check, OK, '%d configured model(s) installed%s' % (
        len(wanted), ': ' + ', '.join(wanted) if wanted else ''))


def evaluate_nginx(rc, output):
    if rc == 0:
        return finding('nginx -t', OK, 'configuration is valid')
    lines = [line for line in (output or '').splitlines() if line.strip()]
    return finding('nginx -t', FAIL, ' | '.join(lines[-3:]) or 'nginx -t failed (rc %s)' % rc,
                   'run site.yml: the gateway role validates the configuration before it takes effect; a hand '
                   'edit under /etc/nginx broke it')


def evaluate_backend(server, address, port, tcp, http, host_header):
    """A backend as the gateway host reaches it: TCP first, then /api/version with the gateway's Host header."""
    check = 'backend %s' % server
    target = '%s:%s' % (address, port)
    if not tcp.get('ok'):
        if tcp.get('kind') == 'refused':
            return finding(check, FAIL, '%s refused the connection from this gateway: Ollama on %s is stopped or '
                                        'listens on loopback only' % (target, server),
                           'on %s: set ollama_bind_address: 0.0.0.0 (this gateway connects to %s) and run '
                           'site.yml; if it is bound right, see the service check of %s' % (server, target, server))
        if tcp.get('kind') == 'timeout':
            return finding(check, FAIL, '%s timed out from this gateway: a firewall drops the packets' % target,
                           'run site.yml so the firewall role on %s opens firewall_ollama_port to this gateway '
                           '(set firewall_address on the gateway if it connects from another address); check '
                           'firewalls between the hosts' % server)
        return finding(check, FAIL, '%s: %s' % (target, describe_error(tcp)),
                       'set gateway_backend_address on %s to an address this gateway can reach' % server)
    if http.get('ok'):
        return finding(check, OK, '%s: TCP ok, /api/version (Host: %s) answers Ollama %s' % (
            target, host_header, http.get('version', '?')))
    if http.get('status') == 403:
        return finding(check, FAIL, '%s: Ollama answers 403 to Host: %s (its Host check)' % (target, host_header),
                       'set gateway_upstream_host_header to localhost:%s (the default), which passes the check' % port)
    return finding(check, FAIL, '%s: TCP ok but /api/version failed: %s' % (target, describe_error(http)),
                   'something other than Ollama answers on %s: check ollama_port on %s and gateway_upstream_port'
                   % (target, server))


def evaluate_certificate(info, names, mode, min_days, now=None):
    """community.crypto.x509_certificate_info's result vs the gateway's names (gateway_server_name + aliases)."""
    check = 'certificate'
    if not info or info.get('failed') or not info.get('not_after'):
        return finding(check, FAIL, 'the certificate could not be read: %s' % (
            (info or {}).get('msg', 'missing')), 'run site.yml (gateway_tls_mode %s)' % mode)
    now = now if now is not None else time.time()
    not_after = _asn1_time(info['not_after'])
    days = (not_after - now) / 86400.0 if not_after else None
    sans = [n.split(':', 1)[1] if ':' in n else n for n in info.get('subject_alt_name') or []]
    missing = [n for n in names if not _name_covered(n, sans)]
    text = 'expires in %.0f days (%s); names: %s' % (
        days if days is not None else -1, info['not_after'], ', '.join(sans) or '-')
    if days is not None and days < 0:
        return finding(check, FAIL, 'expired: ' + text, 'renew it: run site.yml (gateway_tls_mode %s%s)' % (
            mode, '; the renewal timer is certbot.timer' if mode == 'acme' else ''))
    if missing:
        return finding(check, FAIL, 'does not name %s: %s' % (', '.join(missing), text),
                       'run site.yml to reissue it for gateway_server_name/gateway_server_aliases')
    if days is not None and days < min_days:
        return finding(check, WARN, 'expires soon: ' + text, 'renew it (gateway_tls_mode %s); below '
                       'diagnose_cert_min_days' % mode)
    return finding(check, OK, text)


def _asn1_time(text):
    for fmt in ('%Y%m%d%H%M%SZ', '%Y-%m-%dT%H:%M:%SZ'):
        try:
            import calendar
            return calendar.timegm(time.strptime(text, fmt))
        except ValueError:
            continue
    return None


def _name_covered(name, sans):
    for san in sans:
        if san == name:
            return True
        if san.startswith('*.') and '.' in name and name.split('.', 1)[1] == san[2:]:
            return True
    return False


def evaluate_timer(unit, show):
    check = 'timer %s' % unit
    if show.get('ActiveState') == 'active':
        return finding(check, OK, 'active; next run %s' % show.get('NextElapseUSecRealtime', '?'))
    return finding(check, FAIL, '%s is %s (%s): the ACME certificate will not be renewed' % (
        unit, show.get('ActiveState', '?'), show.get('UnitFileState', '?')),
        'run site.yml (gateway_tls_mode: acme enables %s)' % unit)


def evaluate_auth(url, anonymous, keyed, key_var):
    """No credentials -> 401; the gateway's own key -> 200."""
    out = []
    if anonymous.get('status') == 401:
        out.append(finding('auth without credentials', OK, '%s answers 401' % url))
    elif anonymous.get('ok') or anonymous.get('status') == 200:
        out.append(finding('auth without credentials', FAIL, '%s answers 200 without credentials' % url,
                           'set gateway_allow_anonymous: false and give keys in gateway_api_keys'))
    else:
        out.append(finding('auth without credentials', FAIL, '%s: %s' % (url, describe_error(anonymous)),
                           'run site.yml (the gateway role)'))
    if keyed is None:
        out.append(finding('auth with key', SKIP, 'no credential to test (%s is empty)' % key_var))
    elif keyed.get('status') == 200:
        out.append(finding('auth with key', OK, '%s answers 200 with the key' % url))
    elif keyed.get('status') == 401:
        out.append(finding('auth with key', FAIL, '%s refuses the key with 401' % url,
                           'the key is not one of the gateway\'s: check %s against gateway_api_keys (run site.yml '
                           'after changing gateway_api_keys)' % key_var))
    elif keyed.get('status') == 502:
        out.append(finding('auth with key', FAIL, '%s: 502 Bad Gateway: nginx cannot reach any Ollama' % url,
                           'see the backend checks of this gateway (ollama_bind_address, firewall_ollama_port)'))
    else:
        out.append(finding('auth with key', FAIL, '%s: %s' % (url, describe_error(keyed)),
                           'see the backend checks of this gateway'))
    return out


def evaluate_client(steps, url, key_var, ca_var='diagnose_client_ca_path'):
    """The client's view, step by step: dns, tcp, tls, auth, stream (a failed step skips the rest)."""
    out = []
    failed = False
    labels = (('dns', 'client dns'), ('tcp', 'client tcp'), ('tls', 'client tls'), ('auth', 'client auth'),
              ('origin', 'client origin'), ('stream', 'client stream'))
    parts = urlsplit(url)
    for key, check in labels:
        step = steps.get(key)
        if step is None:
            continue
        if failed:
            out.append(finding(check, SKIP, 'not tried (an earlier step failed)'))
            continue
        if step.get('skipped'):
            out.append(finding(check, SKIP, step.get('message', 'not applicable')))
            continue
        if step.get('ok'):
            out.append(finding(check, OK, step.get('message', 'ok')))
            continue
        failed = True
        message = describe_error(step)
        if key == 'auth' and step.get('status') == 401:
            message = '%s: the gateway refuses the key (%s)' % (message, key_var)
        if key == 'dns':
            fix = ('make %s resolvable for the clients (DNS or /etc/hosts), or set gateway_public_url / '
                   'diagnose_client_url to an address they can resolve' % parts.hostname)
        elif key == 'tcp':
            if step.get('kind') == 'timeout':
                fix = ('a firewall drops the connection: firewall_gateway_cidrs on the gateway must contain the '
                       "client's address (run site.yml)")
            else:
                fix = ('nothing listens there: check gateway_https_port/gateway_http_port and that nginx runs on '
                       'the gateway (run site.yml)')
        elif key == 'tls':
            fix = ('the client does not trust the gateway certificate: give it the CA (%s here, the system '
                   'trust store or SSL_CERT_FILE on the clients), or use gateway_tls_mode: acme or provided with a '
                   'certificate from a CA the clients trust' % ca_var if step.get('kind') == 'tls_verify'
                   else 'check gateway_tls_protocols and the certificate (gateway_tls_mode)')
        elif key == 'auth':
            if step.get('status') == 401:
                fix = ('the gateway refuses the key: %s must be one of gateway_api_keys (run site.yml after '
                       'adding it)' % key_var)
            elif step.get('status') == 502:
                fix = 'nginx cannot reach Ollama: see the backend checks of the gateway (ollama_bind_address)'
            else:
                fix = 'see the gateway checks above'
        elif key == 'origin':
            fix = ('the Origin %s is refused (403): list it in ollama_origins on the servers (with '
                   'gateway_origin_mode: pass) or set gateway_origin_mode: strip; browsers also need it in '
                   'gateway_cors_origins for their preflights' % step.get('origin', '?'))
        else:
            fix = ('the answer arrived in one piece: a proxy between the client and Ollama buffers it; switch '
                   'buffering off there (nginx: proxy_buffering off, as the gateway role does)'
                   if step.get('kind') == 'buffered' else
                   'see the gateway and server checks (diagnose_client_model names the model used)')
        out.append(finding(check, FAIL, message, fix))
    return out


def evaluate_docker(probe, image, url, bind_address, listeners=None, port=11434, dropins=None,
                    managed_dropin=None):
    """A container on the default bridge reaching the host (listeners: what really listens, parse_ss_listen)."""
    check = 'docker client'
    if probe.get('skipped'):
        return finding(check, SKIP, probe.get('message', 'skipped'))
    if probe.get('ok'):
        return finding(check, OK, 'a container on the default bridge reaches %s (%s)' % (url, probe.get('message')))
    host_url = url.replace('host.docker.internal', 'the host')
    mine = [s['address'] for s in listeners or [] if s['port'] == port]
    wanted = bind_address or '127.0.0.1'
    loopback_only = (mine and all(is_loopback(a) for a in mine)) or (not mine and is_loopback(wanted))
    if probe.get('kind') == 'refused' and loopback_only:
        overrides = foreign_settings(dropins, 'OLLAMA_HOST', managed_dropin)
        shown = ', '.join(mine) or wanted
        if overrides and not is_loopback(wanted):
            return finding(check, FAIL, 'a container (%s) cannot reach %s: connection refused, Ollama listens on %s '
                                        'only (%s overrides OLLAMA_HOST)' % (image, url, shown, ', '.join(overrides)),
                           'remove OLLAMA_HOST from %s (ollama_bind_address: %s is what the inventory wants), then '
                           'systemctl daemon-reload and run site.yml' % (', '.join(overrides), wanted))
        return finding(check, FAIL, 'a container (%s) cannot reach %s: connection refused, Ollama listens on %s '
                                    'only' % (image, url, shown),
                       'set ollama_bind_address: 0.0.0.0 (containers reach %s through the docker bridge) and run '
                       'site.yml; the firewall role opens the port to docker networks with '
                       'firewall_allow_docker_networks' % host_url)
    if probe.get('kind') == 'timeout':
        return finding(check, FAIL, 'a container (%s) cannot reach %s: timed out (the firewall drops the '
                                    'bridge)' % (image, url),
                       'set firewall_allow_docker_networks: true (or add the bridge to firewall_ollama_allowed_cidrs) '
                       'and run site.yml')
    return finding(check, FAIL, 'a container (%s) cannot reach %s: %s' % (image, url, describe_error(probe)),
                   'set ollama_bind_address: 0.0.0.0 and firewall_allow_docker_networks: true, then run site.yml')


def stream_verdict(arrivals, total_lines):
    """Streamed generation: arrivals = seconds since the request for each line. Several distinct arrival times mean
    the stream is not buffered; all lines at once (with at least 3 lines) means something buffers it."""
    if total_lines < 3:
        return True, 'only %d line(s): too short to tell' % total_lines
    spread = arrivals[-1] - arrivals[0] if arrivals else 0
    groups = 1
    for before, after in zip(arrivals, arrivals[1:]):
        if after - before > 0.02:
            groups += 1
    if groups >= 2 and spread > 0.05:
        return True, '%d lines in %d bursts over %.2f s (streamed)' % (total_lines, groups, spread)
    return False, '%d lines arrived at once after %.2f s (buffered)' % (total_lines, arrivals[-1] if arrivals else 0)


# --- probes -------------------------------------------------------------------------------------------------------

def _kind_of(exc):
    if isinstance(exc, socket.timeout) or 'timed out' in str(exc):
        return 'timeout'
    if isinstance(exc, ConnectionRefusedError) or 'refused' in str(exc).lower():
        return 'refused'
    if isinstance(exc, socket.gaierror):
        return 'dns'
    if isinstance(exc, ssl.SSLCertVerificationError) or 'CERTIFICATE_VERIFY_FAILED' in str(exc):
        return 'tls_verify'
    if isinstance(exc, ssl.SSLError):
        return 'tls'
    return 'error'


def tcp_probe(host, port, timeout=5.0):
    start = time.monotonic()
    try:
        sock = socket.create_connection((host, int(port)), timeout=timeout)
        sock.close()
        return {'ok': True, 'message': 'connected to %s:%s in %.0f ms' % (host, port,
                                                                          (time.monotonic() - start) * 1000)}
    except (OSError, socket.timeout) as exc:
        kind = _kind_of(exc)
        return {'ok': False, 'kind': kind, 'message': '%s:%s: %s' % (
            host, port, {'timeout': 'connection timed out', 'refused': 'connection refused'}.get(kind, str(exc)))}


def dns_probe(host):
    try:
        addresses = sorted(set(info[4][0] for info in socket.getaddrinfo(host, None, proto=socket.IPPROTO_TCP)))
        return {'ok': True, 'message': '%s resolves to %s' % (host, ', '.join(addresses)), 'addresses': addresses}
    except socket.gaierror as exc:
        return {'ok': False, 'kind': 'dns', 'message': '%s does not resolve: %s' % (host, exc)}


def _ssl_context(verify, ca_path):
    if not verify:
        context = ssl.create_default_context()
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
        return context
    return ssl.create_default_context(cafile=ca_path or None)


def http_probe(url, headers=None, method='GET', body=None, timeout=5.0, verify=True, ca_path=None,
               server_hostname=None, connect_to=None, stream=False):
    """One request without following redirects. Returns {'ok', 'status', 'kind', 'message', 'json'/'arrivals'}.

    connect_to: an address to connect to instead of the URL's host (the Host header stays the URL's unless headers
    override it); server_hostname: the TLS name to verify (default the URL's host)."""
    parts = urlsplit(url)
    host = connect_to or parts.hostname
    port = parts.port or (443 if parts.scheme == 'https' else 80)
    path = (parts.path.rstrip('/') or '') + (('?' + parts.query) if parts.query else '')
    start = time.monotonic()
    try:
        if parts.scheme == 'https':
            conn = http_client.HTTPSConnection(host, port, timeout=timeout, context=_ssl_context(verify, ca_path))
        else:
            conn = http_client.HTTPConnection(host, port, timeout=timeout)
        if parts.scheme == 'https' and (server_hostname or connect_to):
            # verify the certificate against the URL's name even when connecting to another address
            name = server_hostname or parts.hostname
            context = _ssl_context(verify, ca_path)
            raw = socket.create_connection((host, port), timeout=timeout)
            conn.sock = context.wrap_socket(raw, server_hostname=name)
        all_headers = {'Host': parts.netloc.rsplit('@', 1)[-1], 'User-Agent': 'localllm.ollama-diagnose'}
        all_headers.update(headers or {})
        data = json.dumps(body).encode() if isinstance(body, (dict, list)) else body
        conn.request(method, path or '/', body=data, headers=all_headers)
        resp = conn.getresponse()
        result = {'status': resp.status, 'ok': 200 <= resp.status < 300}
        if stream and result['ok']:
            arrivals = []
            lines = 0
            while True:
                line = resp.readline()
                if not line:
                    break
                if line.strip():
                    lines += 1
                    arrivals.append(time.monotonic() - start)
            result['arrivals'] = arrivals
            result['lines'] = lines
        else:
            text = resp.read(65536)
            try:
                result['json'] = json.loads(text.decode('utf-8', 'replace'))
            except ValueError:
                result['json'] = None
            if not result['ok']:
                result['kind'] = 'http'
                detail = ''
                if isinstance(result['json'], dict) and result['json'].get('error'):
                    detail = ': %s' % result['json']['error']
                result['message'] = 'HTTP %d %s%s' % (resp.status, resp.reason, detail)
        conn.close()
        return result
    except (OSError, socket.timeout, ssl.SSLError, http_client.HTTPException) as exc:
        kind = _kind_of(exc)
        message = {'timeout': 'connection timed out', 'refused': 'connection refused'}.get(kind, str(exc))
        if kind == 'tls_verify':
            message = 'SSL certificate verify failed: %s' % (getattr(exc, 'verify_message', None) or exc)
        return {'ok': False, 'kind': kind, 'message': '%s: %s' % (url, message)}


# --- rendering ----------------------------------------------------------------------------------------------------

def _wrap(text, width):
    words = (text or '').split()
    lines, line = [], ''
    for word in words:
        if line and len(line) + 1 + len(word) > width:
            lines.append(line)
            line = word
        else:
            line = (line + ' ' + word) if line else word
    if line:
        lines.append(line)
    return lines or ['']


def render_table(host, findings, width=118):
    """One host's findings as table lines: check | result | cause (and `fix:` under it)."""
    check_w = max([len('CHECK')] + [len(f['check']) for f in findings])
    check_w = min(check_w, 30)
    text_w = max(40, width - check_w - 10)
    out = ['%s' % host, '  %-*s  %-6s  %s' % (check_w, 'CHECK', 'RESULT', 'CAUSE / FIX')]
    for f in findings:
        first = True
        for line in _wrap(f['cause'], text_w):
            out.append('  %-*s  %-6s  %s' % (
                check_w, f['check'][:check_w] if first else '', f['result'].upper() if first else '', line))
            first = False
        if f.get('fix'):
            for i, line in enumerate(_wrap('fix: ' + f['fix'], text_w)):
                out.append('  %-*s  %-6s  %s%s' % (check_w, '', '', '' if i == 0 else '     ', line))
    counts = summarize(findings)
    out.append('  -> %(ok)d ok, %(warn)d warning(s), %(fail)d failed, %(skip)d skipped' % counts)
    return out


def summarize(findings):
    counts = dict((r, 0) for r in RESULTS)
    for f in findings:
        counts[f['result']] = counts.get(f['result'], 0) + 1
    return counts
