# -*- coding: utf-8 -*-
# Copyright (c) 2026, localllm maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""localllm.ollama.ollama_diagnose end to end with faked commands (systemctl, journalctl, ss, ufw, docker)."""

from __future__ import annotations

from unittest import mock

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.localllm.ollama.plugins.modules import ollama_diagnose
from ollama_test_helpers import run_module

SHOW_LOOPING = ('LoadState=loaded\nActiveState=activating\nSubState=auto-restart\nResult=exit-code\nNRestarts=5\n'
                'DropInPaths=%s\n')
SS_LOOPBACK = 'LISTEN 0 128 127.0.0.1:11434 0.0.0.0:* users:(("ollama",pid=7,fd=3))\n'
UFW = """Status: active
Default: deny (incoming), allow (outgoing), deny (routed)

To                         Action      From
--                         ------      ----
22/tcp                     LIMIT IN    Anywhere
"""


class FakeHost(object):
    """run_command and get_bin_path of a host: answers by the command name, records every call."""

    def __init__(self, answers):
        self.answers = answers
        self.calls = []

    def run_command(self, argv, **kwargs):
        self.calls.append(argv)
        name = argv[0].rsplit('/', 1)[-1]
        key = '%s %s' % (name, argv[1]) if len(argv) > 1 else name
        for candidate in (key, name):
            if candidate in self.answers:
                answer = self.answers[candidate]
                return answer(argv) if callable(answer) else answer
        return 1, '', '%s: not faked' % name

    def get_bin_path(self, name, *args, **kwargs):
        return '/usr/bin/' + name if any(k.split()[0] == name for k in self.answers) else None


def _run(answers, checks, check_mode=True):
    host = FakeHost(answers)
    with mock.patch.object(AnsibleModule, 'run_command', autospec=True,
                           side_effect=lambda self, argv, **kw: host.run_command(argv, **kw)), \
            mock.patch.object(AnsibleModule, 'get_bin_path', autospec=True,
                              side_effect=lambda self, name, *a, **kw: host.get_bin_path(name)):
        failed, result = run_module(ollama_diagnose, {'label': 'server1', 'checks': checks}, check_mode=check_mode)
    return failed, result, host


def test_crash_loop_from_a_hand_made_drop_in_and_the_blocked_gateway(tmp_path):
    dropin = tmp_path / '99-hand.conf'
    dropin.write_text('[Service]\nEnvironment="OLLAMA_ORIGINS=chat.example.com"\n')
    answers = {
        'systemctl show': (0, SHOW_LOOPING % dropin, ''),
        'journalctl': (0, 'panic: bad origin: origins must contain \'*\' or include http://,https://\n', ''),
        'ss': (0, SS_LOOPBACK, ''),
        'ufw': (0, UFW, ''),
    }
    failed, res, host = _run(answers, [
        {'type': 'service', 'service': 'ollama', 'managed_dropin': '10-localllm.conf'},
        {'type': 'listen', 'port': 11434, 'bind_address': '0.0.0.0',
         'remote_gateways': [{'host': 'gw1', 'address': '10.0.0.5'}]},
        {'type': 'firewall', 'port': 11434, 'sources': [{'host': 'gw1', 'address': '10.0.0.4'}]},
    ])
    assert not failed, res
    assert res['changed'] is False
    results = dict((f['check'], f) for f in res['findings'])
    assert results['service ollama']['result'] == 'fail'
    assert str(dropin) in results['service ollama']['cause'] and 'ollama_origins' in results['service ollama']['fix']
    # between two restarts it listens on loopback only, which the remote gateway cannot reach
    listen = results['listen :11434']
    assert listen['result'] == 'fail' and 'gw1 connects to 10.0.0.5' in listen['cause']
    assert results['firewall :11434']['result'] == 'fail' and 'gw1 (10.0.0.4)' in results['firewall :11434']['cause']
    assert res['failed_checks'] == ['service ollama', 'listen :11434', 'firewall :11434']
    assert res['counts'] == {'ok': 0, 'warn': 0, 'fail': 3, 'skip': 0}
    assert res['table'][0] == 'server1' and any('fix:' in line for line in res['table'])
    # read-only: only these commands ran
    assert sorted(set(c[0].rsplit('/', 1)[-1] + ' ' + c[1] for c in host.calls)) == [
        'journalctl -u', 'ss -H', 'systemctl show', 'ufw status']


def test_docker_never_pulls_and_names_the_loopback_bind():
    runs = []

    def docker(argv):
        if argv[1] == 'image':
            return 0, 'sha256:1', ''
        runs.append(argv)
        return 1, 'ERROR [Errno 111] Connection refused\n', ''

    failed, res, host = _run({'docker': docker, 'ss': (0, SS_LOOPBACK, '')}, [
        {'type': 'docker', 'image': 'busybox:latest', 'url': 'http://host.docker.internal:11434',
         'bind_address': '127.0.0.1'}])
    assert not failed, res
    finding = res['findings'][0]
    assert finding['result'] == 'fail' and 'Ollama listens on 127.0.0.1 only' in finding['cause']
    assert finding['fix'].startswith('set ollama_bind_address: 0.0.0.0')
    argv = runs[0]
    assert argv[1:3] == ['run', '--rm'] and argv[argv.index('--pull') + 1] == 'never'
    assert 'host.docker.internal:host-gateway' in argv and argv[-1] == 'http://host.docker.internal:11434/api/version'
    assert not [c for c in host.calls if c[1] == 'pull']


def test_docker_image_missing_is_skipped_without_pull():
    failed, res, host = _run({'docker': (1, '', 'Error: No such image: busybox:latest')}, [
        {'type': 'docker', 'image': 'busybox:latest', 'url': 'http://host.docker.internal:11434'}])
    assert not failed
    assert res['findings'][0]['result'] == 'skip' and 'nothing is pulled' in res['findings'][0]['cause']
    assert [c[1] for c in host.calls] == ['image']


def test_invalid_checks_fail_before_anything_runs():
    failed, res, host = _run({}, [{'type': 'api'}, {'type': 'docker', 'url': 'http://x'}])
    assert failed and res['msg'] == 'invalid checks: api needs url; docker needs image'
    assert host.calls == []


def test_api_refused_after_a_failed_listen_points_at_the_listen_fix():
    import socket
    sock = socket.socket()
    sock.bind(('127.0.0.1', 0))
    port = sock.getsockname()[1]
    sock.close()
    failed, res, host = _run({'ss': (0, SS_LOOPBACK, '')}, [
        {'type': 'listen', 'port': 11434, 'bind_address': '127.0.0.1',
         'remote_gateways': [{'host': 'gw1', 'address': '10.0.0.5'}]},
        {'type': 'api', 'name': 'at 10.0.0.5', 'url': 'http://127.0.0.1:%d' % port}])
    assert not failed, res
    listen, api = res['findings']
    assert listen['result'] == 'fail' and api['result'] == 'fail' and 'connection refused' in api['cause']
    assert api['fix'] == 'see the listen check above: ' + listen['fix']
