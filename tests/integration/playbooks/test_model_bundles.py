# Copyright (c) 2026, localllm.ollama contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""roles/ollama/tasks/models_bundles.yml (ollama_model_bundles) with ansible-playbook against two local-connection
"servers", each a stand-in Ollama on loopback with its own models directory under the test's tmp_path (nothing
else on this machine is written). Bundles are the stand-in registry's fixture models.

Checks: both servers list the imported models with the bundles' digests without a restart, the files belong to
the service account, a server that already has a bundle's models with the same digest gets no copy, the staging
copies are gone, a second run changes nothing, and a corrupt blob fails on the host before anything is written."""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.request

import pytest
import yaml

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(os.path.dirname(HERE)))
STANDIN = os.path.join(REPO, 'tests', 'standin')
RECAP_RE = re.compile(r"^(\S+)\s+:\s+ok=(\d+)\s+changed=(\d+)\s+unreachable=(\d+)\s+failed=(\d+)", re.M)

sys.path.insert(0, STANDIN)
sys.path.insert(0, os.path.join(REPO, 'build', 'collections'))

import registry as standin_registry  # noqa: E402 pylint: disable=wrong-import-position
from ansible_collections.localllm.ollama.plugins.module_utils._bundle import import_models  # noqa: E402

pytestmark = pytest.mark.skipif(shutil.which('ansible-playbook') is None, reason='ansible-playbook not on PATH')

TINYLLAMA = ('library', 'tinyllama', 'latest')
TINYCODER = ('acme', 'tinycoder', '1b')
PLAY = [{'hosts': 'all', 'gather_facts': False, 'tasks': [{
    'name': 'Import the bundles',
    'ansible.builtin.include_role': {'name': 'localllm.ollama.ollama', 'tasks_from': 'models_bundles'},
    # include vars outrank the role's vars/main.yml: the test's own server URL and models directory per host
    'vars': {'__ollama_api_url': '{{ test_api_url }}', '__ollama_models_path': '{{ test_models_dir }}'},
}]}]


def write_bundle(directory, key, reg):
    """The fixture model ``key`` as a bundle, written by the stand-in registry's --write-bundle code."""
    standin_registry.write_bundle(reg, directory, key, 'registry.ollama.ai')
    return directory


def free_port():
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


def tags(url, timeout=20):
    deadline = time.monotonic() + timeout
    while True:
        try:
            with urllib.request.urlopen(url + '/api/tags', timeout=2) as resp:
                return dict((m['name'], m['digest']) for m in json.loads(resp.read())['models'])
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)


@pytest.fixture
def servers(tmp_path):
    started = []

    def start(name):
        root = tmp_path / name
        (root / 'home').mkdir(parents=True)
        models = root / 'models'
        models.mkdir()
        port = free_port()
        env = dict((k, v) for k, v in os.environ.items() if not k.startswith('OLLAMA_'))
        env.update(HOME=str(root / 'home'), OLLAMA_MODELS=str(models), OLLAMA_HOST='127.0.0.1:%d' % port,
                   PYTHONPATH=STANDIN, PYTHONDONTWRITEBYTECODE='1')
        proc = subprocess.Popen([sys.executable, '-m', 'ollama_standin', 'serve'], env=env,
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        started.append(proc)
        url = 'http://127.0.0.1:%d' % port
        tags(url)
        return url, str(models)

    yield start
    for proc in started:
        proc.terminate()
        proc.wait(10)


def run_play(tmp_path, hosts, bundles, *args):
    staging = tmp_path / 'staging'
    local = {'ansible_connection': 'local', 'ansible_python_interpreter': sys.executable,
             'ollama_model_bundles': bundles, 'ollama_staging_dir': str(staging),
             'ollama_user': 'nobody', 'ollama_group': 'nogroup'}
    inventory = {'all': {'vars': local, 'hosts': dict(
        (name, {'test_api_url': url, 'test_models_dir': models}) for name, (url, models) in hosts.items())}}
    (tmp_path / 'hosts.yml').write_text(yaml.safe_dump(inventory))
    (tmp_path / 'play.yml').write_text(yaml.safe_dump(PLAY))
    env = dict(os.environ, ANSIBLE_NOCOLOR='1', ANSIBLE_RETRY_FILES_ENABLED='0',
               ANSIBLE_COLLECTIONS_PATH=os.path.join(REPO, 'build', 'collections'))
    result = subprocess.run(['ansible-playbook', '-i', str(tmp_path / 'hosts.yml'), str(tmp_path / 'play.yml')] + list(args),
                            capture_output=True, text=True, cwd=REPO, check=False, env=env, timeout=300)
    out = result.stdout + result.stderr
    recap = dict((m.group(1), (int(m.group(3)), int(m.group(5)))) for m in RECAP_RE.finditer(result.stdout))
    leftovers = os.listdir(str(staging)) if staging.exists() else []
    return result.returncode, recap, out, leftovers


@pytest.mark.skipif(os.geteuid() != 0, reason='the imported files are given to nobody:nogroup (needs root)')
def test_bundles_are_imported_once_and_then_left_alone(tmp_path, servers):
    reg = standin_registry.Registry(1)
    b1 = write_bundle(str(tmp_path / 'bundles' / 'tinyllama'), TINYLLAMA, reg)
    b2 = write_bundle(str(tmp_path / 'bundles' / 'tinycoder'), TINYCODER, reg)
    digests = {'tinyllama:latest': 'sha256:' + hashlib.sha256(reg.manifests[TINYLLAMA]).hexdigest(),
               'acme/tinycoder:1b': 'sha256:' + hashlib.sha256(reg.manifests[TINYCODER]).hexdigest()}
    fresh = servers('fresh')
    partly = servers('partly')
    import_models(b2, partly[1])  # this one has the tinycoder bundle already
    before = os.stat(os.path.join(partly[1], 'manifests', 'registry.ollama.ai', 'acme', 'tinycoder', '1b'))

    rc, recap, out, leftovers = run_play(tmp_path, {'fresh': fresh, 'partly': partly}, [b1, b2], '--check')
    assert rc == 0, out
    assert recap['fresh'][0] > 0 and recap['partly'][0] > 0, out
    assert tags(fresh[0]) == {} and leftovers == []

    rc, recap, out, leftovers = run_play(tmp_path, {'fresh': fresh, 'partly': partly}, [b1, b2])
    assert rc == 0, out
    expected = dict((name, digest.split(':', 1)[1]) for name, digest in digests.items())
    assert tags(fresh[0]) == expected
    assert tags(partly[0]) == expected
    assert leftovers == []
    # only the tinyllama bundle was copied to and imported on "partly"
    assert re.search(r"changed: \[partly\] => \(item=%s\)" % re.escape(b1), out), out
    assert not re.search(r"\[partly\] => \(item=%s\)" % re.escape(b2), out.split('Copy the bundles')[1]), out
    after = os.stat(os.path.join(partly[1], 'manifests', 'registry.ollama.ai', 'acme', 'tinycoder', '1b'))
    assert after.st_mtime_ns == before.st_mtime_ns
    for dirpath, dummy, filenames in os.walk(fresh[1]):
        for filename in filenames:
            info = os.stat(os.path.join(dirpath, filename))
            assert (info.st_uid, info.st_gid, info.st_mode & 0o777) == (65534, 65534, 0o644)

    rc, recap, out, leftovers = run_play(tmp_path, {'fresh': fresh, 'partly': partly}, [b1, b2])
    assert rc == 0, out
    assert recap['fresh'][0] == 0 and recap['partly'][0] == 0, out


def test_a_corrupt_blob_fails_on_the_host_before_anything_is_written(tmp_path, servers):
    reg = standin_registry.Registry(1)
    bundle = write_bundle(str(tmp_path / 'bundles' / 'tinyllama'), TINYLLAMA, reg)
    manifest = json.loads(reg.manifests[TINYLLAMA])
    blob = os.path.join(bundle, 'blobs', manifest['layers'][0]['digest'].replace(':', '-'))
    with open(blob, 'r+b') as f:
        f.seek(500)
        f.write(b'\0\0\0\0')
    server = servers('server')
    rc, recap, out, leftovers = run_play(tmp_path, {'server': server}, [bundle])
    assert rc != 0
    assert 'content hashes to' in out and 'the file is corrupt' in out, out
    assert os.listdir(server[1]) == [] or tags(server[0]) == {}
    assert not os.path.exists(os.path.join(server[1], 'manifests'))
    assert leftovers == []
