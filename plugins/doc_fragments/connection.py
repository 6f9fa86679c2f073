# -*- coding: utf-8 -*-
# Copyright (c) 2026, localllm maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations


class ModuleDocFragment(object):
    # Mirrors ollama_argument_spec() in plugins/module_utils/_api.py. Keep both in step.
    DOCUMENTATION = r"""
options:
  url:
    description:
      - Base URL of the Ollama API, or of a gateway in front of it.
      - May carry a sub-path when a reverse proxy serves Ollama under one, for example V(https://gw.example.com/ollama).
      - User information (V(https://user:password@gw.example.com)) is HTTP basic authentication, like O(url_username)
        and O(url_password), and cannot be combined with them or with O(api_key). It is removed from every URL the
        modules report, and the password is masked (C(********)) wherever the option itself is shown.
      - All modules of the collection share these connection options; set them once per play with
        C(module_defaults) and the action group C(group/localllm.ollama.ollama).
    type: str
    default: http://127.0.0.1:11434
  url_username:
    description:
      - User name for HTTP basic authentication (Ollama itself has none; a gateway in front of it may).
      - Mutually exclusive with O(api_key).
    type: str
  url_password:
    description:
      - Password for HTTP basic authentication. Required with O(url_username).
    type: str
  force_basic_auth:
    description:
      - Send the basic authentication header with the first request instead of waiting for a 401 challenge.
    type: bool
    default: true
  api_key:
    description:
      - Token sent as an C(Authorization) header with the C(Bearer) scheme, for gateways that authenticate with bearer tokens.
      - Mutually exclusive with O(url_username) and O(url_password).
    type: str
  validate_certs:
    description:
      - Verify the server's TLS certificate. Set to V(false) only for tests with self-signed certificates;
        prefer O(ca_path).
    type: bool
    default: true
  ca_path:
    description:
      - PEM file with the CA certificate(s) that signed the server certificate, used instead of the system trust
        store.
    type: path
  client_cert:
    description:
      - PEM client certificate for mutual TLS. May contain the key too.
    type: path
  client_key:
    description:
      - PEM private key for O(client_cert), when it is not in the same file. Requires O(client_cert).
    type: path
  timeout:
    description:
      - Socket timeout in seconds for each request (connect, and each read of a streamed response).
    type: int
    default: 30
  http_agent:
    description:
      - User-Agent header sent with every request.
    type: str
    default: ansible-localllm.ollama
  use_proxy:
    description:
      - Use the proxy given by the C(http_proxy)/C(https_proxy) environment variables, if any.
        Loopback addresses should be in C(no_proxy).
    type: bool
    default: true
notes:
  - Redirects are followed for GET and HEAD requests only. With credentials (O(api_key), O(url_username) and
    O(url_password), or a password in O(url)) only redirects within the origin of O(url) (same scheme, host and port)
    are followed; a redirect to another origin fails with both URLs named, and the credentials are never sent there.
  - The modules talk to the HTTP API only, with C(ansible.module_utils.urls); nothing has to be installed on the
    target. Run them on the Ollama host itself, or from the controller with C(delegate_to=localhost) and O(url)
    pointing at the server or the gateway.
"""
