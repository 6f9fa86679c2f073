# -*- coding: utf-8 -*-
# Copyright (c) 2026, localllm.ollama contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""A real CNCF distribution registry (Debian's docker-registry 2.8, unpacked by scripts/ensure-registry.sh) on a free
loopback port, for the tests that push or upload into a registry the way a site mirror does."""

import json
import os
import socket
import subprocess
import time
import urllib.error
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def registry_binary():
    """Path of the docker-registry binary (unpacked on first use)."""
    out = subprocess.run([os.path.join(ROOT, "scripts", "ensure-registry.sh")], check=True,
                         stdout=subprocess.PIPE, text=True).stdout
    return out.strip().splitlines()[-1]


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Distribution(object):
    """One registry process. ``url`` is ``http://127.0.0.1:PORT``; ``root`` its storage directory."""

    def __init__(self, workdir, htpasswd_file=None, redirect_baseurl=None):
        self.port = _free_port()
        self.url = "http://127.0.0.1:%d" % self.port
        self.root = os.path.join(str(workdir), "storage")
        os.makedirs(self.root, exist_ok=True)
        config = {
            "version": 0.1,
            "log": {"level": "warn", "accesslog": {"disabled": True}},
            "storage": {"filesystem": {"rootdirectory": self.root}, "delete": {"enabled": True}},
            "http": {"addr": "127.0.0.1:%d" % self.port},
        }
        if htpasswd_file:
            config["auth"] = {"htpasswd": {"realm": "test", "path": htpasswd_file}}
        if redirect_baseurl:
            config["middleware"] = {"storage": [{"name": "redirect", "options": {"baseurl": redirect_baseurl}}]}
        self.config_path = os.path.join(str(workdir), "config.yml")
        with open(self.config_path, "w") as f:
            json.dump(config, f)  # JSON is YAML
        self.log_path = os.path.join(str(workdir), "registry.log")
        self._log = open(self.log_path, "wb")
        self.proc = subprocess.Popen([registry_binary(), "serve", self.config_path], stdout=self._log,
                                     stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 20
        while True:
            try:
                urllib.request.urlopen(self.url + "/v2/", timeout=2).close()
                break
            except urllib.error.HTTPError as e:  # 401 with auth configured: it is up
                if e.code == 401:
                    break
                raise
            except OSError:
                if time.monotonic() > deadline or self.proc.poll() is not None:
                    self.stop()
                    with open(self.log_path, "rb") as f:
                        raise RuntimeError("docker-registry did not start: %s" % f.read().decode(errors="replace"))
                time.sleep(0.1)

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
        self._log.close()
