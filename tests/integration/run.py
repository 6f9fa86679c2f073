# Copyright (c) 2026, localllm maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Run the module integration targets (tests/integration/targets/*) against the offline stand-in, then the
playbook tests (tests/integration/playbooks/, pytest: they run ansible-playbook on preflight-only playbooks with
a local connection, which changes nothing on this machine).

Starts, on loopback ports picked at random:
  - the stand-in registry   (tests/standin/registry.py)
  - the stand-in server     (python3 -m ollama_standin serve, its own OLLAMA_MODELS in a temp dir)
  - an authenticating proxy (tests/integration/auth_proxy.py) in front of the server, at /ollama
then runs each target's tasks/main.yml with ansible-playbook against localhost (connection local), with the
collection found through ANSIBLE_COLLECTIONS_PATH=<repo>/build/collections, and fails if any target fails.

Usage: tests/integration/run.sh (or .venv/bin/python tests/integration/run.py) [--target ollama_model ...] [--keep] [-v]
       (--target playbooks runs only the playbook tests)
Logs: build/integration/<target>.log, build/integration/playbooks.log and build/integration/standin-*.log
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
STANDIN = os.path.join(REPO, 'tests', 'standin')
TARGETS = os.path.join(HERE, 'targets')
PLAYBOOK_TESTS = os.path.join(HERE, 'playbooks')
LOGS = os.path.join(REPO, 'build', 'integration')
COLLECTIONS = os.path.join(REPO, 'build', 'collections')
STANDIN_VERSION = '0.32.15'


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


def wait_http(url, deadline=30.0):
    end = time.monotonic() + deadline
    last = None
    while time.monotonic() < end:
        try:
            with urllib.request.urlopen(url, timeout=2) as r:
                return r.read()
        except Exception as e:  # noqa: BLE001 - anything means "not yet"
            last = e
            time.sleep(0.2)
    raise RuntimeError('%s did not answer within %ss: %s' % (url, deadline, last))


def ensure_collection_link():
    link = os.path.join(COLLECTIONS, 'ansible_collections', 'localllm', 'ollama')
    if not os.path.exists(link):
        os.makedirs(os.path.dirname(link), exist_ok=True)
        os.symlink(REPO, link)


def ansible_playbook():
    venv = os.path.join(REPO, '.venv', 'bin', 'ansible-playbook')
    return venv if os.path.exists(venv) else shutil.which('ansible-playbook')


class Stack(object):
    def __init__(self, tmp):
        self.tmp = tmp
        self.procs = []
        self.registry_port = free_port()
        self.server_port = free_port()
        self.proxy_port = free_port()
        self.down_port = free_port()  # nothing listens here: "server down"
        self.password = 'pw-%d' % os.getpid()
        self.token = 'tok-%d' % os.getpid()

    def start(self, name, cmd, env=None, cwd=None):
        log = open(os.path.join(LOGS, 'standin-%s.log' % name), 'wb')
        proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, env=env, cwd=cwd)
        self.procs.append((name, proc, log))
        return proc

    def up(self):
        py = sys.executable
        self.start('registry', [py, os.path.join(STANDIN, 'registry.py'), '--host', '127.0.0.1',
                                '--port', str(self.registry_port)])
        env = dict(os.environ)
        env.update(HOME=os.path.join(self.tmp, 'home'), OLLAMA_MODELS=os.path.join(self.tmp, 'models'),
                   OLLAMA_HOST='127.0.0.1:%d' % self.server_port, OLLAMA_STANDIN_VERSION=STANDIN_VERSION,
                   PYTHONPATH=STANDIN)
        for key in ('OLLAMA_ORIGINS', 'OLLAMA_NOPRUNE', 'http_proxy', 'https_proxy', 'HTTP_PROXY', 'HTTPS_PROXY'):
            env.pop(key, None)
        os.makedirs(env['HOME'], exist_ok=True)
        self.start('server', [py, '-m', 'ollama_standin', 'serve'], env=env, cwd=STANDIN)
        self.start('proxy', [py, os.path.join(HERE, 'auth_proxy.py'), '--port', str(self.proxy_port),
                             '--upstream', 'http://127.0.0.1:%d' % self.server_port, '--password', self.password,
                             '--token', self.token, '--warm-up', '3'])
        wait_http('http://127.0.0.1:%d/v2/' % self.registry_port)
        wait_http('http://127.0.0.1:%d/api/version' % self.server_port)
        self.wait_port(self.proxy_port)  # not through /warming: its first answers must stay 503 for the test

    def wait_port(self, port, deadline=15.0):
        end = time.monotonic() + deadline
        while time.monotonic() < end:
            with socket.socket() as s:
                if s.connect_ex(('127.0.0.1', port)) == 0:
                    return
            time.sleep(0.1)
        raise RuntimeError('port %d did not open' % port)

    def stop_one(self, name):
        for item in list(self.procs):
            if item[0] == name:
                item[1].terminate()
                try:
                    item[1].wait(10)
                except subprocess.TimeoutExpired:
                    item[1].kill()
                item[2].close()
                self.procs.remove(item)

    def down(self):
        for name in [p[0] for p in self.procs]:
            self.stop_one(name)

    def extra_vars(self):
        return {
            'standin_url': 'http://127.0.0.1:%d' % self.server_port,
            'standin_version': STANDIN_VERSION,
            'standin_registry': '127.0.0.1:%d' % self.registry_port,
            'standin_registry_url': 'http://127.0.0.1:%d' % self.registry_port,
            'gateway_url': 'http://127.0.0.1:%d/ollama' % self.proxy_port,
            'gateway_warming_url': 'http://127.0.0.1:%d/warming' % self.proxy_port,
            'gateway_elsewhere_url': 'http://127.0.0.1:%d/elsewhere' % self.proxy_port,
            'gateway_userinfo_url': 'http://ansible:%s@127.0.0.1:%d/ollama' % (self.password, self.proxy_port),
            'gateway_user': 'ansible',
            'gateway_password': self.password,
            'gateway_token': self.token,
            'down_url': 'http://127.0.0.1:%d' % self.down_port,
        }


def run_target(target, stack, verbosity):
    playbook = os.path.join(stack.tmp, '%s.yml' % target)
    with open(playbook, 'w') as f:
        f.write('- name: Integration target %s\n  hosts: localhost\n  connection: local\n  gather_facts: false\n'
                '  roles:\n    - role: %s\n' % (target, os.path.join(TARGETS, target)))
    vars_file = os.path.join(stack.tmp, 'vars.json')
    with open(vars_file, 'w') as f:
        json.dump(stack.extra_vars(), f)
    env = dict(os.environ)
    env.update(ANSIBLE_COLLECTIONS_PATH=COLLECTIONS, ANSIBLE_FORCE_COLOR='0', ANSIBLE_NOCOLOR='1',
               ANSIBLE_RETRY_FILES_ENABLED='0', ANSIBLE_LOCAL_TEMP=os.path.join(stack.tmp, 'ansible-local'),
               ANSIBLE_HOME=os.path.join(stack.tmp, 'ansible-home'), ANSIBLE_STDOUT_CALLBACK='default',
               ANSIBLE_PYTHON_INTERPRETER=sys.executable)
    for key in ('http_proxy', 'https_proxy', 'HTTP_PROXY', 'HTTPS_PROXY'):
        env.pop(key, None)
    cmd = [ansible_playbook(), '-i', 'localhost,', '-e', '@' + vars_file, playbook]
    if verbosity:
        cmd.append('-' + 'v' * verbosity)
    start = time.monotonic()
    with open(os.path.join(LOGS, '%s.log' % target), 'wb') as log:
        rc = subprocess.call(cmd, stdout=log, stderr=subprocess.STDOUT, env=env, cwd=REPO)
    return rc, time.monotonic() - start


def run_playbook_tests(verbosity):
    """pytest on tests/integration/playbooks (no stand-in needed); returns (rc, seconds)."""
    env = dict(os.environ)
    env.update(ANSIBLE_COLLECTIONS_PATH=COLLECTIONS, ANSIBLE_FORCE_COLOR='0', ANSIBLE_NOCOLOR='1',
               ANSIBLE_RETRY_FILES_ENABLED='0', PY_COLORS='0')
    env['PATH'] = os.path.dirname(ansible_playbook()) + os.pathsep + env.get('PATH', '')
    cmd = [sys.executable, '-m', 'pytest', '-q', '-p', 'no:cacheprovider', PLAYBOOK_TESTS]
    if verbosity:
        cmd.append('-' + 'v' * verbosity)
    start = time.monotonic()
    with open(os.path.join(LOGS, 'playbooks.log'), 'wb') as log:
        rc = subprocess.call(cmd, stdout=log, stderr=subprocess.STDOUT, env=env, cwd=REPO)
    return rc, time.monotonic() - start


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('--target', action='append', help='run only this target (repeatable)')
    p.add_argument('--keep', action='store_true', help='keep the temporary directory')
    p.add_argument('-v', '--verbose', action='count', default=0)
    a = p.parse_args(argv)
    targets = a.target or (sorted(d for d in os.listdir(TARGETS) if os.path.isdir(os.path.join(TARGETS, d)))
                           + ['playbooks'])
    module_targets = [t for t in targets if t != 'playbooks']
    os.makedirs(LOGS, exist_ok=True)
    ensure_collection_link()
    tmp = tempfile.mkdtemp(prefix='ollama-integration-')
    stack = Stack(tmp)
    results = []
    try:
        if module_targets:
            t0 = time.monotonic()
            stack.up()
            print('stand-in up in %.1fs: server %s, registry %s, proxy %s' % (
                time.monotonic() - t0, stack.extra_vars()['standin_url'], stack.extra_vars()['standin_registry'],
                stack.extra_vars()['gateway_url']))
        for target in targets:
            if target == 'playbooks':
                rc, secs = run_playbook_tests(a.verbose)
            else:
                rc, secs = run_target(target, stack, a.verbose)
            results.append((target, rc, secs))
            print('%-16s %s  %5.1fs  (log: %s)' % (target, 'ok    ' if rc == 0 else 'FAILED', secs,
                                                   os.path.relpath(os.path.join(LOGS, target + '.log'), REPO)))
            sys.stdout.flush()
    finally:
        stack.down()
        if a.keep:
            print('kept %s' % tmp)
        else:
            shutil.rmtree(tmp, ignore_errors=True)
    failed = [target for target, rc, dummy in results if rc != 0]
    if failed:
        for t in failed:
            print('\n===== %s (tail of log) =====' % t)
            with open(os.path.join(LOGS, t + '.log'), errors='replace') as f:
                print(''.join(f.readlines()[-60:]))
        print('FAILED targets: %s' % ', '.join(failed))
        return 1
    print('all %d targets passed' % len(results))
    return 0


if __name__ == '__main__':
    sys.exit(main())
