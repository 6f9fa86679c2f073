# -*- coding: utf-8 -*-
# Copyright (c) 2026, localllm maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Verify the model_mirror scenario: what a server sees (its models by short name, chat answers, the mirror's two
vhosts over verified TLS, writes refused without the push user, the registry's own port closed) and what the
mirror holds (the bundle's manifest digest, the registry on loopback only, the validated config)."""

from __future__ import annotations

import hashlib
import json
import os
import re

import pytest
import testinfra

testinfra_hosts = ["model_mirror-deb12", "model_mirror-deb13"]

MIRROR = "https://mirror.model-mirror.test"
BLOBS = "https://blobs.mirror.model-mirror.test"
ACCEPT = "-H 'Accept: application/vnd.docker.distribution.manifest.v2+json'"
BUNDLE = os.path.join(os.environ.get("MOLECULE_EPHEMERAL_DIRECTORY", ""), "bundles", "tinyllama")
BUNDLE_MANIFEST = os.path.join(BUNDLE, "manifests", "registry.ollama.ai", "library", "tinyllama", "latest")


def _bundle_digest():
    with open(BUNDLE_MANIFEST, "rb") as f:
        return "sha256:" + hashlib.sha256(f.read()).hexdigest()


def _curl(host, url, *args):
    """(status, headers, body) of a request from a server; TLS verified against the system store."""
    result = host.run("curl -sS --max-time 30 -D /tmp/h -o /tmp/b -w '%%{http_code}' %s '%s'; cat /tmp/h" % (" ".join(args), url))
    assert result.rc == 0, result.stderr
    status = int(result.stdout[:3])
    body = host.file("/tmp/b").content if host.file("/tmp/b").exists else b""
    return status, result.stdout[3:].lower(), body


@pytest.fixture(scope="module")
def mirror():
    return testinfra.get_host("docker://model_mirror-mirror")


# Both servers pull both models, at the same time: tinyllama seeded from the bundle, acme/tinycoder:1b on the
# connected path (vars.yml)
MODELS = ["acme/tinycoder:1b", "tinyllama:latest"]


def test_models_are_listed_by_short_name(host):
    tags = json.loads(host.check_output("curl -sS http://127.0.0.1:11434/api/tags"))
    names = sorted(m["name"] for m in tags["models"])
    assert names == MODELS
    # the mirror's own name is not left behind as a second model
    assert not [n for n in names if "mirror.model-mirror.test" in n], names


def test_connected_seed_is_in_the_mirror_with_the_upstream_digest(host, mirror):
    upstream = mirror.check_output(
        "curl -sS -o /dev/null -D - %s http://127.0.0.1:5001/v2/acme/tinycoder/manifests/1b | grep -i docker-content-digest"
        % ACCEPT).split(":", 1)[1].strip()
    status, headers, dummy = _curl(host, MIRROR + "/v2/acme/tinycoder/manifests/1b", ACCEPT)
    assert status == 200
    assert "docker-content-digest: " + upstream.lower() in headers


@pytest.mark.parametrize("model", MODELS)
def test_model_digest_is_the_mirrors(host, model):
    tags = json.loads(host.check_output("curl -sS http://127.0.0.1:11434/api/tags"))
    digest = {m["name"]: m["digest"] for m in tags["models"]}[model]
    repository, tag = model.rsplit(":", 1)
    repository = repository if "/" in repository else "library/" + repository
    headers = _curl(host, "%s/v2/%s/manifests/%s" % (MIRROR, repository, tag), ACCEPT)[1]
    assert "docker-content-digest: sha256:" + digest in headers
    if model == "tinyllama:latest":
        assert "sha256:" + digest == _bundle_digest()


@pytest.mark.parametrize("model", MODELS)
def test_chat_answers(host, model):
    body = json.dumps({"model": model, "messages": [{"role": "user", "content": "hello"}], "stream": False})
    out = json.loads(host.check_output("curl -sS http://127.0.0.1:11434/api/chat -d '%s'" % body))
    assert out["done"] is True
    assert out["message"]["content"].strip()


def test_manifest_is_served_with_the_bundles_digest(host):
    status, headers, dummy = _curl(host, MIRROR + "/v2/library/tinyllama/manifests/latest", ACCEPT)
    assert status == 200
    assert "docker-content-digest: " + _bundle_digest() in headers


def test_blob_get_redirects_to_the_blob_host(host):
    manifest = json.loads(_curl(host, MIRROR + "/v2/library/tinyllama/manifests/latest", ACCEPT)[2])
    digest = manifest["layers"][0]["digest"]
    status, headers, dummy = _curl(host, MIRROR + "/v2/library/tinyllama/blobs/" + digest)
    assert status == 307
    location = re.search(r"^location: (\S+)", headers, re.M).group(1)
    assert location.startswith(BLOBS + "/docker/registry/v2/blobs/sha256/")


def test_blob_host_serves_ranges_with_long_caching(host):
    manifest = json.loads(_curl(host, MIRROR + "/v2/library/tinyllama/manifests/latest", ACCEPT)[2])
    layer = max(manifest["layers"], key=lambda x: x["size"])
    hexdigest = layer["digest"].split(":", 1)[1]
    url = "%s/docker/registry/v2/blobs/sha256/%s/%s/data" % (BLOBS, hexdigest[:2], hexdigest)
    status, headers, body = _curl(host, url, "-H 'Range: bytes=0-9'")
    assert status == 206
    assert "content-range: bytes 0-9/%d" % layer["size"] in headers
    assert "immutable" in headers and "max-age=31536000" in headers
    with open(os.path.join(BUNDLE, "blobs", "sha256-" + hexdigest), "rb") as f:
        assert body == f.read(10)


def test_blob_host_serves_nothing_but_blobs(host):
    assert _curl(host, BLOBS + "/docker/registry/v2/repositories/library/tinyllama/_manifests/tags/latest/current/link")[0] == 404
    assert _curl(host, BLOBS + "/")[0] == 404


def test_writes_need_the_push_user(host):
    assert _curl(host, MIRROR + "/v2/library/evil/blobs/uploads/", "-X POST")[0] == 401
    assert _curl(host, MIRROR + "/v2/library/tinyllama/manifests/latest", "-X DELETE")[0] == 401
    assert _curl(host, MIRROR + "/v2/library/evil/blobs/uploads/", "-X POST", "-u seeder:wrong")[0] == 401


def test_registry_port_is_not_reachable_from_the_servers(host):
    result = host.run("curl -sS --max-time 5 -o /dev/null http://mirror.model-mirror.test:5000/v2/")
    assert result.rc != 0


def test_registry_listens_on_loopback_only(mirror):
    assert mirror.run("curl -sS --max-time 5 -o /dev/null http://127.0.0.1:5000/v2/").rc == 0
    address = mirror.check_output("hostname -i").split()[0]
    assert mirror.run("curl -sS --max-time 5 -o /dev/null http://%s:5000/v2/" % address).rc != 0


def test_registry_config_is_ours(mirror):
    config = mirror.file("/etc/docker/registry/config.yml").content_string
    assert "Ansible managed" in config or "ansible" in config.lower()
    assert "baseurl: https://blobs.mirror.model-mirror.test/" in config
    assert "addr: 127.0.0.1:5000" in config
