# Copyright (c) 2026, localllm.ollama contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The model mirror's registry configuration and its validator, run against Debian's docker-registry 2.8 (unpacked
by scripts/ensure-registry.sh): the rendered config is accepted and makes the registry redirect blob GETs to the blob
host; a broken one is refused by the check before it could replace the installed file."""

from __future__ import annotations

import getpass
import hashlib
import os
import socket
import subprocess
import time
import urllib.error
import urllib.request

import pytest
import yaml

from ansible_collections.localllm.ollama.tests.support.distribution import registry_binary
from ansible_collections.localllm.ollama.tests.unit.roles.role_render import REPO, render_role_template

ROLE = os.path.join(REPO, "roles", "model_mirror")

pytestmark = pytest.mark.skipif(os.geteuid() != 0, reason="the check runs the registry as another user (runuser: root only)")


@pytest.fixture(scope="module")
def binary():
    return registry_binary()


def _render(tmp_path, template, **overrides):
    """roles/model_mirror/templates/<template> rendered by ansible-playbook with the role's defaults and vars."""
    variables = {"model_mirror_server_name": "mirror.example.test"}
    variables.update(overrides)
    return render_role_template(tmp_path, ROLE, template, variables, tmp_path / template.replace(".j2", ""), "0700")


def _check(tmp_path, binary, config):
    script = _render(tmp_path, "registry-check.sh.j2", __model_mirror_registry_binary=binary,
                     __model_mirror_registry_user=getpass.getuser())
    return subprocess.run(["/bin/sh", str(script), str(config)], capture_output=True, text=True, check=False,
                          timeout=60)


def test_rendered_config_names_loopback_storage_and_blob_host(tmp_path):
    config = yaml.safe_load(_render(tmp_path, "registry-config.yml.j2", model_mirror_https_port=8443).read_text())
    assert config["http"]["addr"] == "127.0.0.1:5000"
    assert config["storage"]["filesystem"]["rootdirectory"] == "/var/lib/docker-registry"
    assert config["storage"]["delete"] == {"enabled": True}
    assert config["middleware"]["storage"] == [
        {"name": "redirect", "options": {"baseurl": "https://blobs.mirror.example.test:8443/"}}]
    assert "auth" not in config and "host" not in config["http"]


def test_tls_off_redirects_to_plain_http_on_the_http_port(tmp_path):
    config = yaml.safe_load(_render(tmp_path, "registry-config.yml.j2", model_mirror_tls_mode="off",
                                    model_mirror_blob_server_name="files.example.test").read_text())
    assert config["middleware"]["storage"][0]["options"]["baseurl"] == "http://files.example.test/"


def test_check_accepts_the_rendered_config(tmp_path, binary):
    config = _render(tmp_path, "registry-config.yml.j2")
    result = _check(tmp_path, binary, config)
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize(("change", "message"), [
    (("baseurl: https://blobs.mirror.example.test/", "baseurl: '::not a url'"), "unable to parse redirect baseurl"),
    (("  filesystem:", "  filesytem:"), "filesytem"),
    (("version: 0.1", "version: 9.9"), "version"),
])
def test_check_refuses_a_broken_config(tmp_path, binary, change, message):
    config = _render(tmp_path, "registry-config.yml.j2")
    text = config.read_text()
    assert change[0] in text
    broken = tmp_path / "broken.yml"
    broken.write_text(text.replace(change[0], change[1], 1))
    result = _check(tmp_path, binary, broken)
    assert result.returncode == 1
    assert "docker-registry refused the configuration" in result.stderr
    assert message in result.stderr


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def test_registry_with_the_config_redirects_blob_gets_to_the_blob_host(tmp_path, binary):
    config = _render(tmp_path, "registry-config.yml.j2")
    port = _free_port()
    storage = tmp_path / "storage"
    env = dict(os.environ, REGISTRY_HTTP_ADDR="127.0.0.1:%d" % port, REGISTRY_STORAGE_FILESYSTEM_ROOTDIRECTORY=str(storage))
    proc = subprocess.Popen([binary, "serve", str(config)], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        base = "http://127.0.0.1:%d" % port
        for dummy in range(100):
            try:
                urllib.request.urlopen(base + "/v2/", timeout=1)
                break
            except (urllib.error.URLError, ConnectionError):
                time.sleep(0.1)
        data = b"a model layer"
        digest = "sha256:" + hashlib.sha256(data).hexdigest()
        start = urllib.request.urlopen(urllib.request.Request(base + "/v2/library/x/blobs/uploads/", method="POST"))
        location = start.headers["Location"]
        sep = "&" if "?" in location else "?"
        urllib.request.urlopen(urllib.request.Request(location + sep + "digest=" + digest, data=data, method="PUT",
                                                      headers={"Content-Type": "application/octet-stream"}))
        opener = urllib.request.build_opener(_NoRedirect)
        with pytest.raises(urllib.error.HTTPError) as answer:
            opener.open(base + "/v2/library/x/blobs/" + digest)
        assert answer.value.code == 307
        hexdigest = digest.split(":", 1)[1]
        assert answer.value.headers["Location"] == (
            "https://blobs.mirror.example.test/docker/registry/v2/blobs/sha256/%s/%s/data" % (hexdigest[:2], hexdigest))
        # the blob vhost serves exactly that path below the storage root
        assert (storage / "docker/registry/v2/blobs/sha256" / hexdigest[:2] / hexdigest / "data").read_bytes() == data
    finally:
        proc.terminate()
        proc.wait(timeout=10)
