# Copyright (c) 2026, localllm maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Helpers for the module and module_utils unit tests: fake HTTP responses, an open_url router, module runner."""

from __future__ import annotations

import io
import json
import urllib.error
from unittest import mock

from ansible.module_utils.basic import AnsibleModule
from ansible.module_utils.testing import patch_module_args

API = 'ansible_collections.localllm.ollama.plugins.module_utils._api'


class FakeResponse(io.BytesIO):
    """What open_url returns: readable, line-iterable, with status and headers."""

    def __init__(self, body=b'', status=200, headers=None):
        if isinstance(body, (dict, list)):
            body = json.dumps(body).encode()
        elif isinstance(body, str):
            body = body.encode()
        super().__init__(body)
        self.status = status
        self.headers = headers or {}

    def getcode(self):
        return self.status


class BrokenResponse(FakeResponse):
    """A stream that yields some lines and then loses the connection."""

    def __init__(self, body, exc):
        super().__init__(body)
        self.exc = exc

    def readline(self, *args):
        line = super().readline(*args)
        if not line:
            raise self.exc
        return line


def ndjson(*objs):
    return ''.join(json.dumps(o) + '\n' for o in objs).encode()


def sse(*objs, done=True):
    out = ''.join('data: %s\n\n' % json.dumps(o) for o in objs)
    if done:
        out += 'data: [DONE]\n\n'
    return out.encode()


def http_error(code, body=b'', url='http://127.0.0.1:11434/x', headers=None):
    if isinstance(body, dict):
        body = json.dumps(body).encode()
    return urllib.error.HTTPError(url, code, 'status %d' % code, headers or {}, io.BytesIO(body))


class Router(object):
    """side_effect for a patched open_url: answers (METHOD, path) with queued responses or exceptions, and records
    every call so tests can assert what reached open_url."""

    def __init__(self, base='http://127.0.0.1:11434'):
        self.base = base
        self.routes = {}
        self.calls = []

    def add(self, method, path, *answers):
        self.routes.setdefault((method, path), []).extend(answers)
        return self

    def __call__(self, url, data=None, headers=None, method=None, **kwargs):
        assert url.startswith(self.base), url
        path = url[len(self.base):]
        body = json.loads(data) if data else None
        self.calls.append({'method': method, 'path': path, 'body': body, 'headers': headers, 'kwargs': kwargs})
        queue = self.routes.get((method, path))
        if not queue:
            raise AssertionError('unexpected request %s %s' % (method, path))
        answer = queue.pop(0) if len(queue) > 1 else queue[0]
        if callable(answer) and not isinstance(answer, FakeResponse):
            answer = answer()
        if isinstance(answer, BaseException):
            raise answer
        if isinstance(answer, FakeResponse):
            answer.seek(0)
            return answer
        return FakeResponse(answer)

    def paths(self, method=None):
        return [c['path'] for c in self.calls if method is None or c['method'] == method]


class ExitJson(BaseException):  # like the SystemExit the real exit_json raises
    def __init__(self, kwargs):
        super().__init__(kwargs)
        self.result = kwargs


class FailJson(BaseException):
    def __init__(self, kwargs):
        super().__init__(kwargs)
        self.result = kwargs


def _exit(**kwargs):
    raise ExitJson(kwargs)


def _fail(**kwargs):
    raise FailJson(kwargs)


def run_module(module, args, check_mode=False, diff=False):
    """Run module.main() with args; returns (failed, result)."""
    args = dict(args)
    if check_mode:
        args['_ansible_check_mode'] = True
    if diff:
        args['_ansible_diff'] = True
    with patch_module_args(args), \
            mock.patch.object(AnsibleModule, 'exit_json', side_effect=_exit), \
            mock.patch.object(AnsibleModule, 'fail_json', side_effect=_fail):
        try:
            module.main()
        except ExitJson as e:
            return False, e.result
        except FailJson as e:
            return True, e.result
    raise AssertionError('module returned without exit_json or fail_json')
