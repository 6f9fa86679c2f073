# -*- coding: utf-8 -*-
# Copyright (c) 2026, localllm.ollama contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Unit tests for the service settings, environment and systemd quoting of the localllm.ollama.ollama role
(plugins/plugin_utils/_ollama_service.py)."""

from __future__ import annotations

import pytest

from ansible_collections.localllm.ollama.plugins.plugin_utils import _ollama_service as service


@pytest.mark.parametrize("origin", [
    "http://localhost:3000", "https://dify.example.com", "chrome-extension://abcdef", "safari-extension://id",
    "moz-extension://uuid", "ms-browser-extension://id", "*", "https://*.example.com", "app://*",
    "safari-web-extension://*", "vscode-webview://*", "http://10.0.0.5:8080", "example.com*",
])
def test_origin_ok(origin):
    assert service.origins_errors([origin]) == []


@pytest.mark.parametrize("origin, fragment", [
    ("example.com", "add the scheme, for example 'https://example.com'"),                     # bare host: panic
    (" http://b", "leading or trailing whitespace"),                                          # space after comma
    ("http://a ", "leading or trailing whitespace"),
    ("http://a, http://b", "contains a comma"),
    ("http://a,http://b", "contains a comma"),
    ("safari-web-extension://id", "safari-web-extension://*"),                                 # panics without *
    ("https://*.example.*", "only one '*'"),                                                   # two stars: panic
    ("**", "only one '*'"),
    ("HTTPS://Example.com", "lower case"),                                                     # scheme check is case-sensitive
    ("file://tmp", "bad origin"),
    ("", "empty entry"),
    ("http://a b", "whitespace"),
])
def test_origin_panics(origin, fragment):
    errors = service.origins_errors([origin])
    assert len(errors) == 1
    assert fragment in errors[0]


def test_origin_error_quotes_upstream_panic_text():
    (error,) = service.origins_errors(["example.com"])
    assert "origins must contain '*' or include http://,https://,chrome-extension://,safari-extension://," \
           "moz-extension://,ms-browser-extension://" in error
    assert "ollama_origins[0]" in error


def test_origins_not_a_list():
    assert "must be a list" in service.origins_errors("http://a,http://b")[0]
    assert service.origins_errors(None) == []
    assert "must be a string" in service.origins_errors([5])[0]


def test_origins_reports_every_bad_entry():
    errors = service.origins_errors(["http://ok", "bad", "http://ok2", " http://x"])
    assert [e.split(":", maxsplit=1)[0] for e in errors] == ["ollama_origins[1] 'bad'", "ollama_origins[3] ' http"]


BASE = {"home": "/usr/share/ollama", "bind_address": "127.0.0.1", "port": 11434}


def _settings(**kwargs):
    settings = dict(BASE)
    settings.update(kwargs)
    return settings


def test_settings_defaults_ok():
    assert service.settings_errors(_settings()) == []


@pytest.mark.parametrize("address", ["127.0.0.1", "0.0.0.0", "::", "::1", "[::1]", "10.1.2.3", "ollama.lan",
                                     "fe80::1%eth0"])
def test_bind_address_ok(address):
    assert service.bind_address_errors(address) == []


@pytest.mark.parametrize("address, fragment", [
    ("http://0.0.0.0", "port 80"),
    ("https://ollama.example.com", "on 443"),
    ("http://0.0.0.0:11434", "ollama_bind_address: '0.0.0.0'"),
    ("0.0.0.0:11434", "ollama_port: 11434"),
    (":8080", "contains a port"),
    ("[::1]:11434", "ValueError"),
    ("host/path", "contains a path"),
    ("", "empty"),
    (" 0.0.0.0", "whitespace"),
    ("bad host!", "whitespace"),
    ("exa$mple", "not a host name"),
])
def test_bind_address_bad(address, fragment):
    if fragment == "ValueError":
        # '[::1]:11434' has a port after an IPv6 literal: reported as not a valid IPv6 address
        assert service.bind_address_errors(address)
        return
    errors = service.bind_address_errors(address)
    assert len(errors) == 1 and fragment in errors[0], errors


@pytest.mark.parametrize("port", [0, 65536, -1, "11434", True, None])
def test_port_bad(port):
    errors = service.settings_errors(_settings(port=port))
    assert len(errors) == 1 and "ollama_port" in errors[0]


@pytest.mark.parametrize("kwargs, fragment", [
    ({"kv_cache_type": "q8_0"}, "needs flash attention: set ollama_flash_attention: true"),
    ({"kv_cache_type": "q4_0", "flash_attention": False}, "needs flash attention"),
    ({"kv_cache_type": "q4_0", "flash_attention": None}, "needs flash attention"),
    ({"kv_cache_type": "q5_1", "flash_attention": True}, "is unknown; choose one of f16, q8_0, q4_0"),
    ({"keep_alive": "5 minutes"}, "neither a Go duration"),
    ({"load_timeout": "forever"}, "ollama_load_timeout"),
    ({"num_parallel": 0}, "ollama_num_parallel 0 must be an integer >= 1"),
    ({"max_queue": "512"}, "ollama_max_queue"),
    ({"context_length": -1}, "ollama_context_length"),
    ({"gpu_overhead": True}, "ollama_gpu_overhead"),
    ({"flash_attention": "yes"}, "ollama_flash_attention"),
    ({"debug": "verbose"}, "ollama_debug"),
    ({"models_dir": "models"}, "must be an absolute path"),
    ({"models_dir": "/home/alice/models", "hardening": True}, "ProtectHome=yes hides"),
    ({"models_dir": "/root/.ollama/models", "hardening": True}, "ProtectHome=yes hides"),
    ({"home": "relative"}, "ollama_home"),
    ({"https_proxy": "proxy:3128"}, "ollama_https_proxy"),
    ({"download_proxy": "proxy:3128"}, "ollama_download_proxy"),
    ({"visible_devices": {"nvidia": [0]}}, "ollama_visible_devices.nvidia is unknown"),
    ({"visible_devices": {"cuda": ["0 1"]}}, "not a device index or UUID"),
    ({"visible_devices": [0]}, "must be a dict"),
    ({"environment": {"OLLAMA_NEW_ENGINE": "1"}}, "removed from Ollama in v0.30.0"),
])
def test_settings_errors(kwargs, fragment):
    errors = service.settings_errors(_settings(**kwargs))
    assert len(errors) == 1, errors
    assert fragment in errors[0]


@pytest.mark.parametrize("kwargs", [
    {"kv_cache_type": "q8_0", "flash_attention": True},
    {"kv_cache_type": "f16"},
    {"keep_alive": "-1"}, {"keep_alive": "1h30m"}, {"keep_alive": "0"}, {"keep_alive": "3600"},
    {"keep_alive": "-1h"}, {"load_timeout": "10m"}, {"keep_alive": 300},
    {"debug": True}, {"debug": False}, {"debug": 2}, {"debug": "2"},
    {"models_dir": "/home/alice/models"},                    # fine without hardening
    {"models_dir": "/srv/ollama/models", "hardening": True},
    {"visible_devices": {"cuda": ["GPU-5c5b3c31-0b8e-4b5f-9d6a-1f2e3d4c5b6a", 1], "rocr": [-1]}},
    {"https_proxy": "http://proxy.example.com:3128", "no_proxy": ["localhost", ".lan"]},
    {"environment": {"OLLAMA_NO_CLOUD": True, "OLLAMA_LLM_LIBRARY": "cuda_v12"}},
])
def test_settings_ok(kwargs):
    assert service.settings_errors(_settings(**kwargs)) == []


@pytest.mark.parametrize("env, fragment", [
    ({"OLLAMA_HOST": "0.0.0.0"}, "use ollama_bind_address and ollama_port instead"),
    ({"OLLAMA_ORIGINS": "*"}, "use ollama_origins instead"),
    ({"OLLAMA_MODELS": "/srv"}, "use ollama_models_dir instead"),
    ({"HOME": "/tmp"}, "use ollama_home instead"),
    ({"OLLAMA_KV_CACHE_TYPE": "q8_0"}, "use ollama_kv_cache_type"),
    ({"CUDA_VISIBLE_DEVICES": "0"}, "ollama_visible_devices.cuda"),
    ({"OLLAMA_MULTIUSER_CACHE": "1"}, "removed from Ollama in v0.30.0"),
    ({"OLLAMA_INTEL_GPU": "1"}, "v0.12.11"),
    ({"OLLAMA_MAX_VRAM": "1"}, "v0.6.9"),
    ({"OLLAMA_TMPDIR": "/tmp"}, "delete it"),
    ({"OLLAMA_RUNNERS_DIR": "/tmp"}, "delete it"),
    ({"1BAD": "x"}, "not a valid environment variable name"),
    ({"A-B": "x"}, "not a valid environment variable name"),
    ({"OLLAMA_X": {"a": 1}}, "must be a string, number or boolean"),
    ({"OLLAMA_X": "a\nb"}, "newline"),
])
def test_env_errors(env, fragment):
    errors = service.env_errors(env)
    assert len(errors) == 1 and fragment in errors[0], errors


def test_env_errors_not_a_dict():
    assert "must be a dict" in service.env_errors(["A=1"])[0]


def test_service_env_minimal_sets_only_home_and_host():
    assert service.service_env(_settings(origins=[], visible_devices={}, no_proxy=[],
                                         environment={})) == {
        "HOME": "/usr/share/ollama", "OLLAMA_HOST": "127.0.0.1:11434",
    }


def test_service_env_everything():
    env = service.service_env(_settings(
        bind_address="0.0.0.0", port=8080, origins=["https://dify.example.com", "chrome-extension://*"],
        models_dir="/srv/models", keep_alive="-1", num_parallel=4, max_loaded_models=2, max_queue=128,
        context_length=8192, flash_attention=True, kv_cache_type="q8_0", load_timeout="10m", gpu_overhead=536870912,
        sched_spread=True, noprune=False, debug=2, visible_devices={"cuda": ["GPU-1", 2], "vulkan": [-1]},
        https_proxy="http://proxy:3128", no_proxy=["localhost", "127.0.0.1"], environment={"OLLAMA_NO_CLOUD": True,
                                                                                           "OLLAMA_VULKAN": False,
                                                                                           "LLAMA_ARG_FIT": 1},
    ))
    assert env == {
        "HOME": "/usr/share/ollama",
        "OLLAMA_HOST": "0.0.0.0:8080",
        "OLLAMA_ORIGINS": "https://dify.example.com,chrome-extension://*",
        "OLLAMA_MODELS": "/srv/models",
        "OLLAMA_KEEP_ALIVE": "-1",
        "OLLAMA_NUM_PARALLEL": "4",
        "OLLAMA_MAX_LOADED_MODELS": "2",
        "OLLAMA_MAX_QUEUE": "128",
        "OLLAMA_CONTEXT_LENGTH": "8192",
        "OLLAMA_FLASH_ATTENTION": "1",
        "OLLAMA_KV_CACHE_TYPE": "q8_0",
        "OLLAMA_LOAD_TIMEOUT": "10m",
        "OLLAMA_GPU_OVERHEAD": "536870912",
        "OLLAMA_SCHED_SPREAD": "1",
        "OLLAMA_NOPRUNE": "0",
        "OLLAMA_DEBUG": "2",
        "CUDA_VISIBLE_DEVICES": "GPU-1,2",
        "GGML_VK_VISIBLE_DEVICES": "-1",
        "HTTPS_PROXY": "http://proxy:3128",
        "NO_PROXY": "localhost,127.0.0.1",
        "OLLAMA_NO_CLOUD": "1",
        "OLLAMA_VULKAN": "0",
        "LLAMA_ARG_FIT": "1",
    }


@pytest.mark.parametrize("flash, expected", [(None, None), ("auto", None), (True, "1"), (False, "0")])
def test_service_env_flash_attention_tristate(flash, expected):
    assert service.service_env(_settings(flash_attention=flash)).get("OLLAMA_FLASH_ATTENTION") == expected


@pytest.mark.parametrize("debug, expected", [(None, None), (False, "0"), (True, "1"), (2, "2")])
def test_service_env_debug(debug, expected):
    assert service.service_env(_settings(debug=debug)).get("OLLAMA_DEBUG") == expected


@pytest.mark.parametrize("address, port, host", [
    ("0.0.0.0", 11434, "0.0.0.0:11434"), ("::", 11434, "[::]:11434"), ("[::1]", 1, "[::1]:1"),
    ("ollama.lan", 80, "ollama.lan:80"),
])
def test_service_env_host_has_no_scheme(address, port, host):
    assert service.service_env(_settings(bind_address=address, port=port))["OLLAMA_HOST"] == host


def test_service_env_no_proxy_string():
    assert service.service_env(_settings(no_proxy="localhost,.lan"))["NO_PROXY"] == "localhost,.lan"


@pytest.mark.parametrize("address, url", [
    ("0.0.0.0", "http://127.0.0.1:11434"), ("::", "http://127.0.0.1:11434"), ("127.0.0.1", "http://127.0.0.1:11434"),
    ("::1", "http://[::1]:11434"), ("[::1]", "http://[::1]:11434"), ("10.0.0.2", "http://10.0.0.2:11434"),
    ("localhost", "http://127.0.0.1:11434"),
])
def test_connect_url(address, url):
    assert service.connect_url(address, 11434) == url


@pytest.mark.parametrize("value, line", [
    ("/usr/share/ollama", 'Environment="HOME=/usr/share/ollama"'),
    ("https://a.example,chrome-extension://*", 'Environment="HOME=https://a.example,chrome-extension://*"'),
    ('say "hi"', 'Environment="HOME=say \\"hi\\""'),
    ("100%", 'Environment="HOME=100%%"'),
    ("C:\\path", 'Environment="HOME=C:\\\\path"'),
    ("with space", 'Environment="HOME=with space"'),
    ("'single'", 'Environment="HOME=\'single\'"'),
    ("$HOME", 'Environment="HOME=$HOME"'),
    ("", 'Environment="HOME="'),
])
def test_systemd_quoting(value, line):
    assert service.systemd_env_lines({"HOME": value}) == [line]


def test_systemd_env_keeps_order():
    lines = service.systemd_env_lines({"B": "1", "A": "2"})
    assert lines == ['Environment="B=1"', 'Environment="A=2"']


def _systemd_unquote(assignment):
    """What systemd makes of one quoted Environment= word (C-style unescape, %% specifier)."""
    assert assignment.startswith('"') and assignment.endswith('"')
    body = assignment[1:-1].replace("%%", "\x00")
    out, i = [], 0
    while i < len(body):
        if body[i] == "\\":
            out.append(body[i + 1])
            i += 2
        else:
            out.append(body[i])
            i += 1
    return "".join(out).replace("\x00", "%")


@pytest.mark.parametrize("value", ['a"b', "a\\b", "50%", 'x\\"%%y', "plain", "é ü"])
def test_systemd_quoting_round_trips(value):
    (line,) = service.systemd_env_lines({"K": value})
    assert _systemd_unquote(line[len("Environment="):]) == "K=" + value


@pytest.mark.parametrize("path, escaped", [
    ("/srv/ollama", "/srv/ollama"), ("/srv/my models", "/srv/my\\x20models"), ("/a%b", "/a%%b"),
])
def test_systemd_path(path, escaped):
    assert service.systemd_path_escape(path) == escaped


@pytest.mark.parametrize("path, parents", [
    ("/usr/share/ollama/.ollama/models", ["/usr", "/usr/share", "/usr/share/ollama", "/usr/share/ollama/.ollama"]),
    ("/srv/models/", ["/srv"]),
    ("/models", []),
    ("//srv//a", ["/srv"]),
])
def test_path_parents(path, parents):
    assert service.path_parents(path) == parents


# --- item 6: ollama_cloud / OLLAMA_NO_CLOUD, OLLAMA_DEBUG_LOG_REQUESTS
def test_service_env_cloud_off_sets_no_cloud():
    env = service.service_env(_settings(cloud=False))
    assert env["OLLAMA_NO_CLOUD"] == "1"


@pytest.mark.parametrize("settings", [_settings(cloud=True), _settings(cloud=None), _settings()])
def test_service_env_cloud_on_or_unset_leaves_ollama_default(settings):
    assert "OLLAMA_NO_CLOUD" not in service.service_env(settings)


def test_service_env_redundant_no_cloud_in_environment_is_one_variable():
    env = service.service_env(_settings(cloud=False, environment={"OLLAMA_NO_CLOUD": True}))
    assert env["OLLAMA_NO_CLOUD"] == "1"
    assert service.settings_errors(_settings(cloud=False, environment={"OLLAMA_NO_CLOUD": True})) == []


@pytest.mark.parametrize("kwargs, fragment", [
    ({"cloud": True, "environment": {"OLLAMA_NO_CLOUD": True}}, "contradicts ollama_cloud: true"),
    ({"cloud": False, "environment": {"OLLAMA_NO_CLOUD": False}}, "set ollama_cloud: true instead"),
    ({"cloud": False, "environment": {"OLLAMA_NO_CLOUD": "0"}}, "would turn Ollama's cloud features back on"),
    ({"cloud": False, "environment": {"OLLAMA_NO_CLOUD": "false"}}, "set ollama_cloud: true instead"),
    ({"cloud": "yes"}, "ollama_cloud 'yes' must be true or false"),
    ({"environment": {"OLLAMA_DEBUG_LOG_REQUESTS": True}}, "OLLAMA_DEBUG_LOG_REQUESTS is refused"),
    ({"environment": {"OLLAMA_DEBUG_LOG_REQUESTS": "0"}}, "request body"),
])
def test_cloud_and_forbidden_settings_errors(kwargs, fragment):
    errors = service.settings_errors(_settings(**kwargs))
    assert len(errors) == 1 and fragment in errors[0], errors


def test_env_errors_refuse_debug_log_requests_with_the_reason():
    errors = service.env_errors({"OLLAMA_DEBUG_LOG_REQUESTS": "1"})
    assert len(errors) == 1
    assert "ollama_environment.OLLAMA_DEBUG_LOG_REQUESTS" in errors[0] and "ollama_debug" in errors[0]


# --- item 2: ollama_staging_dir must be the role's own directory
@pytest.mark.parametrize("staging", [
    "/", "/var", "/var/cache", "/var/cache/", "/var//cache", "/var/cache/.", "/var/cache/apt/..", "//var/cache",
    "/var/lib", "/usr", "/usr/local", "/usr/local/", "/etc", "/tmp", "/var/tmp", "/home", "/root", "/opt", "/srv",
    "/boot", "/dev", "/proc", "/sys", "/run", "/usr/share", "/var/log", "/Users", "/private/var",
])
def test_staging_dir_refuses_system_and_shared_directories(staging):
    errors = service.settings_errors(_settings(staging_dir=staging))
    assert len(errors) == 1, errors
    assert "ollama_staging_dir" in errors[0] and "system or shared directory" in errors[0]
    assert "/var/cache/localllm-ollama" in errors[0]  # says what to use instead


@pytest.mark.parametrize("staging, fragment", [
    ("", "is empty"),
    (None, "is empty"),
    ("var/cache/x", "must be an absolute path"),
    ("/usr/share/ollama", "overlaps ollama_home"),
    ("/usr/share/ollama/.ollama/staging", "overlaps ollama_home"),
    ("/usr/local/lib/ollama", "overlaps the install prefix"),
    ("/usr/local/bin/x", "overlaps the install prefix"),
    ("/srv/models/staging", "overlaps ollama_models_dir"),
])
def test_staging_dir_errors(staging, fragment):
    errors = service.staging_dir_errors(staging, {"home": "/usr/share/ollama", "models_dir": "/srv/models",
                                                  "install_prefix": "/usr/local"})
    assert len(errors) == 1 and fragment in errors[0], errors


@pytest.mark.parametrize("staging", ["/var/cache/localllm-ollama", "/var/cache/ollama-staging/",
                                     "/srv/ollama-staging", "/data/cache/localllm-ollama"])
def test_staging_dir_ok(staging):
    assert service.settings_errors(_settings(staging_dir=staging, install_prefix="/usr/local")) == []


# --- item 1: symlinks in the service user's directories
HOME = "/usr/share/ollama"


MODELS = HOME + "/.ollama/models"


def _dir(uid=996, gid=996, user="ollama", mode_w=(False, False)):
    return {"exists": True, "isdir": True, "islnk": False, "uid": uid, "gid": gid, "pw_name": user,
            "wgrp": mode_w[0], "woth": mode_w[1]}


def _link(target, uid=996, user="ollama"):
    return {"exists": True, "isdir": False, "islnk": True, "uid": uid, "gid": uid, "pw_name": user,
            "lnk_source": target, "lnk_target": target, "wgrp": True, "woth": True}


ROOT_DIR = _dir(0, 0, "root")


def _stats(**by_path):
    """stat loop results; paths not given do not exist."""
    return [{"item": path, "stat": st} for path, st in by_path.items()]


def _check(stats, home=HOME, models=MODELS):
    return service.managed_dirs(stats, home, models, "ollama")


def test_managed_dirs_plain_directories_ok():
    result = _check(_stats(**{"/usr/share": ROOT_DIR, HOME: _dir(), HOME + "/.ollama": _dir(), MODELS: _dir()}))
    assert result["errors"] == []
    assert result["dirs"] == [HOME, HOME + "/.ollama", MODELS] and result["models"] == MODELS


def test_managed_dirs_fresh_host_ok():
    result = _check(_stats(**{"/usr/share": ROOT_DIR}))
    assert result["errors"] == [] and result["dirs"] == [HOME, HOME + "/.ollama", MODELS]


def test_managed_dirs_refuse_dot_ollama_swapped_for_a_link():
    # as ollama: mv ~/.ollama x; ln -s /etc ~/.ollama  -> the next converge would chown /etc
    result = _check(_stats(**{"/usr/share": ROOT_DIR, HOME: _dir(), HOME + "/.ollama": _link("/etc")}))
    assert len(result["errors"]) == 1
    message = result["errors"][0]
    assert message.startswith("/usr/share/ollama/.ollama is a symlink to /etc, inside the home of the service user")
    assert "refuses to follow it" in message and "ollama_models_dir" in message


def test_managed_dirs_refuse_a_root_owned_link_inside_the_home():
    # even a link owned by root: the service user can rename it away and put its own there
    result = _check(_stats(**{HOME: _dir(), HOME + "/.ollama": _dir(), MODELS: _link("/mnt/big", uid=0, user="root")}))
    assert len(result["errors"]) == 1 and "is a symlink to /mnt/big" in result["errors"][0]


def test_managed_dirs_accept_roots_own_link_outside_the_home():
    # the operator keeps the models on another disk: ollama_models_dir: /srv/models -> /mnt/disk2/models
    stats = _stats(**{"/srv": ROOT_DIR, "/srv/models": _link("/mnt/disk2/models", uid=0, user="root"),
                      HOME: _dir(), HOME + "/.ollama": _dir()})
    result = _check(stats, models="/srv/models")
    assert result["errors"] == []
    assert result["models"] == "/mnt/disk2/models"
    assert result["dirs"] == [HOME, HOME + "/.ollama", "/mnt/disk2/models"]


@pytest.mark.parametrize("link, parent, fragment", [
    (_link("/etc"), ROOT_DIR, "owned by 'ollama', not root"),
    (_link("/etc", uid=0, user="root"), _dir(), "which a user other than root can write"),
    (_link("/etc", uid=0, user="root"), _dir(0, 0, "root", (False, True)), "which a user other than root can write"),
    (_link("/etc", uid=0, user="root"), _dir(0, 50, "root", (True, False)), "which a user other than root can write"),
    (_link("/etc", uid=0, user="root"), _link("/data", uid=0, user="root"), "itself a symlink"),
])
def test_managed_dirs_refuse_links_outside_the_home_not_made_by_root(link, parent, fragment):
    stats = _stats(**{"/srv/ollama": parent, "/srv/ollama/models": link})
    result = _check(stats, models="/srv/ollama/models")
    assert len(result["errors"]) == 1 and fragment in result["errors"][0], result["errors"]
    assert "ollama_models_dir" in result["errors"][0]


def test_managed_dirs_group_writable_by_root_group_is_root_controlled():
    stats = _stats(**{"/srv": _dir(0, 0, "root", (True, False)), "/srv/models": _link("/mnt/m", uid=0, user="root")})
    assert _check(stats, models="/srv/models")["errors"] == []


def test_managed_dirs_home_link_names_ollama_home():
    stats = _stats(**{"/usr/share": _dir(996, 996, "ollama"), HOME: _link("/etc", uid=0, user="root")})
    errors = _check(stats)["errors"]
    assert len(errors) == 1 and "set ollama_home to that directory" in errors[0]


def test_managed_dirs_refuse_a_file_where_a_directory_belongs():
    stats = _stats(**{HOME: _dir(), HOME + "/.ollama": dict(_dir(), isdir=False)})
    errors = _check(stats)["errors"]
    assert len(errors) == 1 and "exists but is not a directory" in errors[0]


def test_managed_dirs_normalises_paths():
    stats = _stats(**{HOME + "/": _dir(), HOME + "//.ollama": _link("/etc")})
    assert len(_check(stats, home=HOME + "/")["errors"]) == 1


# --- EnvironmentFile: secret settings out of the drop-in
def test_env_split_moves_secrets_out():
    env = {"HOME": "/usr/share/ollama", "OLLAMA_HOST": "0.0.0.0:11434", "OLLAMA_NO_CLOUD": "1",
           "HTTPS_PROXY": "http://proxy.example.com:3128", "https_proxy": "http://p:3128", "NO_PROXY": "localhost",
           "OLLAMA_REMOTES": "https://user:pw@remote.example.com", "OLLAMA_LLM_LIBRARY": "cuda_v12",
           "HF_TOKEN": "hf_x", "MY_API_KEY": "k", "DB_PASSWORD": "p", "OLLAMA_KEEP_ALIVE": "10m",
           "OLLAMA_KV_CACHE_TYPE": "q8_0"}
    split = service.env_split(env)
    assert list(split["secret"]) == ["HTTPS_PROXY", "https_proxy", "OLLAMA_REMOTES", "HF_TOKEN", "MY_API_KEY",
                                     "DB_PASSWORD"]
    assert list(split["public"]) == ["HOME", "OLLAMA_HOST", "OLLAMA_NO_CLOUD", "NO_PROXY", "OLLAMA_LLM_LIBRARY",
                                     "OLLAMA_KEEP_ALIVE", "OLLAMA_KV_CACHE_TYPE"]
    assert dict(split["public"], **split["secret"]) == env


def test_env_split_empty():
    assert service.env_split({}) == {"public": {}, "secret": {}}


@pytest.mark.parametrize("value, line", [
    ("http://u:p@proxy:3128", 'HTTPS_PROXY="http://u:p@proxy:3128"'),
    ('a"b', 'HTTPS_PROXY="a\\"b"'),
    ("a\\b", 'HTTPS_PROXY="a\\\\b"'),
    ("$HOME`id`", 'HTTPS_PROXY="\\$HOME\\`id\\`"'),
    ("100%", 'HTTPS_PROXY="100%"'),   # no specifier expansion in environment files
    ("", 'HTTPS_PROXY=""'),
])
def test_envfile_quoting(value, line):
    assert service.envfile_lines({"HTTPS_PROXY": value}) == [line]


@pytest.mark.parametrize("path, target, suggestion", [
    (HOME + "/.ollama", "/mnt/big/ollama", "(ollama_models_dir: /mnt/big/ollama/models)"),
    (MODELS, "/mnt/big/models", "(ollama_models_dir: /mnt/big/models)"),
])
def test_managed_dirs_message_suggests_the_real_models_directory(path, target, suggestion):
    stats = _stats(**{HOME: _dir(), HOME + "/.ollama": _dir(), path: _link(target)})
    errors = _check(stats)["errors"]
    assert len(errors) == 1 and suggestion in errors[0], errors
