# Copyright (c) 2026, localllm.ollama contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""`make demo`: a lab of 2 Ollama servers + 1 gateway in systemd containers, converged by site.yml.

Where Ollama's release downloads and registry answer, the servers get the real Ollama and a small real model;
where they do not, the lab uses the offline stand-in (one line says so). Prints the gateway URL, where the
credentials are, and a working curl and OpenAI SDK example. `make demo-down` removes the lab.
"""

from __future__ import annotations

import os
import socket
import ssl
import subprocess
import sys
import time
import urllib.request

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
NAME = "demo"
VERSION = os.environ.get("DEMO_OLLAMA_VERSION", "0.32.15")
PROBES = ("https://github.com/ollama/ollama/releases/download/v%s/sha256sum.txt" % VERSION,
          "https://registry.ollama.ai/v2/library/qwen2.5/manifests/0.5b")


def online():
    """True when both the release download and the model registry answer (5 s each; a name that does not resolve sends nothing)."""
    if os.environ.get("DEMO_OFFLINE") == "1":
        return False
    for url in PROBES:
        host = url.split("/")[2]
        try:
            socket.getaddrinfo(host, 443)
        except OSError:
            return False
        try:
            request = urllib.request.Request(url, method="HEAD",
                                             headers={"Accept": "application/vnd.docker.distribution.manifest.v2+json"})
            with urllib.request.urlopen(request, timeout=5, context=ssl.create_default_context()):
                pass
        except OSError:
            return False
    return True


def run(*cmd):
    subprocess.run(cmd, cwd=REPO, check=True)


def main():
    source = "release" if online() else "standin"
    if source == "standin":
        print("demo: Ollama's release downloads / registry are not reachable from here: the lab uses the offline "
              "stand-in (tests/standin) and its model registry.")
    else:
        print("demo: installing the real Ollama %s and pulling qwen2.5:0.5b" % VERSION)
    lab = [sys.executable, os.path.join(REPO, "scripts", "lab.py")]
    run(*lab, "up", NAME, "--servers", "2", "--gateways", "1", "--version", VERSION, "--source", source)
    start = time.monotonic()
    run("ansible-playbook", "-i", "build/lab/%s/hosts.yml" % NAME, "site.yml")
    seconds = time.monotonic() - start

    lab_dir = os.path.join("build", "lab", NAME)
    gateway = "%s-gw1" % NAME
    address = subprocess.run([*lab, "ip", NAME, gateway], capture_output=True, text=True,
                             check=True).stdout.strip()
    ca = os.path.join(lab_dir, "gateway-ca.crt")
    with open(os.path.join(REPO, ca), "w") as handle:
        handle.write(subprocess.run(["docker", "exec", gateway, "cat", "/etc/ssl/ollama-gateway/selfsigned.crt"],
                                    capture_output=True, text=True, check=True).stdout)
    if source == "standin":
        registry = subprocess.run([*lab, "ip", NAME, "%s-registry" % NAME], capture_output=True, text=True,
                                  check=True).stdout.strip()
        model = "%s:5000/library/tinyllama:latest" % registry
    else:
        model = "qwen2.5:0.5b"
    url = "https://%s" % address
    print("""
==================================================================================================
 localllm.ollama demo is up (site.yml converged in %(seconds).0f s)
   gateway:      %(url)s   (2 Ollama servers behind it, least connections)
   API key:      %(dir)s/api-key  (snippets for curl, Dify, OpenHands, SDKs: %(dir)s/clients/%(gw)s/lab.txt)
   certificate:  %(ca)s   (self-signed by the gateway role)
   model:        %(model)s

 curl:
   curl --cacert %(ca)s -H "Authorization: Bearer $(cat %(dir)s/api-key)" \\
        %(url)s/api/generate -d '{"model": "%(model)s", "prompt": "Why is the sky blue?", "stream": false}'

 OpenAI SDK (Python):
   SSL_CERT_FILE=%(ca)s OPENAI_API_KEY=$(cat %(dir)s/api-key) python3 -c '
   from openai import OpenAI
   client = OpenAI(base_url="%(url)s/v1")
   reply = client.chat.completions.create(model="%(model)s", messages=[{"role": "user", "content": "Hello"}])
   print(reply.choices[0].message.content)'

 again (changes nothing):  ansible-playbook -i %(dir)s/hosts.yml site.yml
 rolling upgrade:          ansible-playbook -i %(dir)s/hosts.yml playbooks/upgrade.yml -e ollama_version=X
 remove the lab:           make demo-down
==================================================================================================""" % {
        "seconds": seconds, "url": url, "dir": lab_dir, "ca": ca, "model": model, "gw": gateway})


if __name__ == "__main__":
    main()
