# -*- coding: utf-8 -*-
# Copyright (c) 2026, localllm.ollama contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
#
# PRIVATE: an implementation detail of the localllm.ollama.ollama role and its internal filters
# (plugins/filter/_ollama.py). It is not a public API and may change in any release.
#
# Pure functions only, so the logic is unit-testable without a host.
"""The service of the ``localllm.ollama.ollama`` role: typed settings and their validation, the service environment
(secret and public parts), systemd quoting, the directories the role manages."""

from __future__ import annotations

import posixpath
import re

from ansible_collections.localllm.ollama.plugins.module_utils._grammar import has_url_userinfo, strip_brackets
from ansible_collections.localllm.ollama.plugins.plugin_utils._filters import OllamaRoleError

# gin-contrib/cors v1.7.2 validateAllowedSchemas (section 4).
ORIGIN_SCHEMES = (
    "http://",
    "https://",
    "chrome-extension://",
    "safari-extension://",
    "moz-extension://",
    "ms-browser-extension://",
)

# Section 1.7: variables that were removed; setting them does nothing on current releases.
REMOVED_VARIABLES = {
    "OLLAMA_NEW_ENGINE": "v0.30.0",
    "OLLAMA_MULTIUSER_CACHE": "v0.30.0",
    "OLLAMA_INTEL_GPU": "v0.12.11",
    "OLLAMA_MAX_VRAM": "v0.6.9",
    "OLLAMA_TMPDIR": "about v0.5.2",
    "OLLAMA_RUNNERS_DIR": "about v0.5.2",
}

# Environment variables that have a typed role variable: setting them through the free-form dict is refused.
TYPED_VARIABLES = {
    "HOME": "ollama_home",
    "OLLAMA_HOST": "ollama_bind_address and ollama_port",
    "OLLAMA_ORIGINS": "ollama_origins",
    "OLLAMA_MODELS": "ollama_models_dir",
    "OLLAMA_KEEP_ALIVE": "ollama_keep_alive",
    "OLLAMA_NUM_PARALLEL": "ollama_num_parallel",
    "OLLAMA_MAX_LOADED_MODELS": "ollama_max_loaded_models",
    "OLLAMA_MAX_QUEUE": "ollama_max_queue",
    "OLLAMA_CONTEXT_LENGTH": "ollama_context_length",
    "OLLAMA_FLASH_ATTENTION": "ollama_flash_attention",
    "OLLAMA_KV_CACHE_TYPE": "ollama_kv_cache_type",
    "OLLAMA_LOAD_TIMEOUT": "ollama_load_timeout",
    "OLLAMA_GPU_OVERHEAD": "ollama_gpu_overhead",
    "OLLAMA_SCHED_SPREAD": "ollama_sched_spread",
    "OLLAMA_NOPRUNE": "ollama_noprune",
    "OLLAMA_DEBUG": "ollama_debug",
    "HTTPS_PROXY": "ollama_https_proxy",
    "https_proxy": "ollama_https_proxy",
    "NO_PROXY": "ollama_no_proxy",
    "no_proxy": "ollama_no_proxy",
    "CUDA_VISIBLE_DEVICES": "ollama_visible_devices.cuda",
    "ROCR_VISIBLE_DEVICES": "ollama_visible_devices.rocr",
    "HIP_VISIBLE_DEVICES": "ollama_visible_devices.hip",
    "GPU_DEVICE_ORDINAL": "ollama_visible_devices.gpu_ordinal",
    "GGML_VK_VISIBLE_DEVICES": "ollama_visible_devices.vulkan",
}

# ollama_visible_devices keys -> environment variable (section 1.5).
VISIBLE_DEVICES = {
    "cuda": "CUDA_VISIBLE_DEVICES",
    "rocr": "ROCR_VISIBLE_DEVICES",
    "hip": "HIP_VISIBLE_DEVICES",
    "gpu_ordinal": "GPU_DEVICE_ORDINAL",
    "vulkan": "GGML_VK_VISIBLE_DEVICES",
}

KV_CACHE_TYPES = ("f16", "q8_0", "q4_0")

ENV_NAME_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
# Go time.ParseDuration, or a plain (possibly negative) integer number of seconds (section 1.2 KEEP_ALIVE).
DURATION_RE = re.compile(r"^[-+]?(?:(?:\d+(?:\.\d*)?|\.\d+)(?:ns|us|\u00b5s|\u03bcs|ms|s|m|h))+$|^[-+]?0$")
SECONDS_RE = re.compile(r"^-?\d+$")

# Variables the role never sets, whatever ollama_environment says (refused in preflight, with the reason).
FORBIDDEN_VARIABLES = {
    "OLLAMA_DEBUG_LOG_REQUESTS": (
        "makes Ollama write every inference request body (prompts, documents, images) and a replay curl command "
        "to a temporary directory on disk; debug with ollama_debug instead"
    ),
}

# Go strconv.ParseBool's false spellings; Ollama's envconfig.Bool treats "" as false and anything unparsable as true.
GO_FALSE = ("", "0", "f", "F", "false", "FALSE", "False")

# Environment values that must not land in the world-readable drop-in (or `systemctl show`): the proxy variables
# (their URLs may carry user:password@), any value that is a URL with user info, and names that look like secrets.
SECRET_ENV_NAMES = ("HTTPS_PROXY", "HTTP_PROXY", "ALL_PROXY")
SECRET_NAME_RE = re.compile(r"(KEY|TOKEN|SECRET|PASSW|CREDENTIAL)", re.IGNORECASE)

# System and shared directories refused as ollama_staging_dir: the role deletes the release directories it staged
# there, so it must be a directory of its own (ollama-server.md has nothing to say about it; this is the role's).
SHARED_DIRECTORIES = frozenset((
    "/", "/bin", "/boot", "/dev", "/etc", "/home", "/lib", "/lib32", "/lib64", "/libx32", "/lost+found", "/media",
    "/mnt", "/opt", "/proc", "/root", "/run", "/run/lock", "/run/user", "/sbin", "/snap", "/srv", "/sys", "/tmp",
    "/usr", "/usr/bin", "/usr/include", "/usr/lib", "/usr/lib32", "/usr/lib64", "/usr/libexec", "/usr/local",
    "/usr/local/bin", "/usr/local/etc", "/usr/local/include", "/usr/local/lib", "/usr/local/libexec",
    "/usr/local/sbin", "/usr/local/share", "/usr/local/src", "/usr/sbin", "/usr/share", "/usr/src", "/var",
    "/var/backups", "/var/cache", "/var/lib", "/var/local", "/var/lock", "/var/log", "/var/mail", "/var/opt",
    "/var/run", "/var/spool", "/var/tmp", "/var/www",
    # macOS
    "/Applications", "/Library", "/Library/Caches", "/System", "/Users", "/Volumes", "/private", "/private/etc",
    "/private/tmp", "/private/var", "/opt/homebrew",
))
STAGING_SUGGESTION = "/var/cache/localllm-ollama"


def origins_errors(origins):
    """Return one message per ORIGINS entry that would make ``ollama serve`` panic or misbehave (section 4)."""
    errors = []
    if origins is None:
        return errors
    if isinstance(origins, str) or not isinstance(origins, (list, tuple)):
        return ["ollama_origins must be a list of origins (one entry per origin), not %r" % (origins,)]
    for index, entry in enumerate(origins):
        where = "ollama_origins[%d] %r" % (index, entry)
        if not isinstance(entry, str):
            errors.append("%s: must be a string such as 'https://chat.example.com'" % where)
            continue
        if entry == "":
            errors.append("%s: empty entry; remove it" % where)
            continue
        if entry != entry.strip():
            errors.append(
                "%s: leading or trailing whitespace makes Ollama panic at startup ('bad origin'); write %r"
                % (where, entry.strip())
            )
            continue
        if "," in entry:
            errors.append(
                "%s: contains a comma; OLLAMA_ORIGINS is comma-separated, so give each origin as its own list item"
                % where
            )
            continue
        if re.search(r"\s", entry):
            errors.append("%s: contains whitespace; an origin is scheme://host[:port]" % where)
            continue
        stars = entry.count("*")
        if stars > 1:
            errors.append(
                "%s: only one '*' is allowed per entry (Ollama panics with 'only one * is allowed'); "
                "split it into several entries" % where
            )
            continue
        if stars == 0 and not entry.startswith(ORIGIN_SCHEMES):
            if entry.startswith("safari-web-extension://"):
                hint = "write 'safari-web-extension://*' (this scheme is only accepted with a '*')"
            elif entry.lower().startswith(ORIGIN_SCHEMES):
                scheme, rest = entry.split("://", 1)
                hint = "write the scheme in lower case: %r" % (scheme.lower() + "://" + rest)
            else:
                hint = "add the scheme, for example 'https://%s'" % entry
            errors.append(
                "%s: Ollama panics at startup ('bad origin: origins must contain '*' or include %s'); %s"
                % (where, ",".join(ORIGIN_SCHEMES), hint)
            )
    return errors


def bind_address_errors(address):
    """The bind address is a host or IP only: no scheme (port trap, section 1.3), no path, no port."""
    if address is None or str(address).strip() == "":
        return ["ollama_bind_address is empty; use 127.0.0.1 (loopback) or 0.0.0.0 (all interfaces)"]
    address = str(address)
    if address != address.strip() or re.search(r"\s", address):
        return ["ollama_bind_address %r contains whitespace" % address]
    if "://" in address:
        host = address.split("://", 1)[1].split("/", 1)[0]
        return [
            "ollama_bind_address %r contains a scheme: OLLAMA_HOST=http://host listens on port 80 and "
            "https://host on 443, not 11434. Set ollama_bind_address: %r and the port with ollama_port"
            % (address, host.rsplit(":", 1)[0] if host.count(":") == 1 else host)
        ]
    if "/" in address:
        return ["ollama_bind_address %r contains a path; give only a host name or IP address" % address]
    bare = strip_brackets(address)
    if bare.count(":") == 1:
        host, port = bare.split(":")
        return [
            "ollama_bind_address %r contains a port; set ollama_bind_address: %r and ollama_port: %s"
            % (address, host or "0.0.0.0", port)
        ]
    if bare.count(":") == 0 and not re.match(r"^[A-Za-z0-9_.-]+$", bare):
        return ["ollama_bind_address %r is not a host name or IP address" % address]
    if bare.count(":") > 1 and not re.match(r"^[0-9A-Fa-f:.]+(%[A-Za-z0-9_.-]+)?$", bare):
        return ["ollama_bind_address %r is not a valid IPv6 address" % address]
    return []


def host_value(address, port):
    """OLLAMA_HOST for ``serve``: ``0.0.0.0:11434``, ``[::1]:11434`` (no scheme, section 1.3)."""
    bare = strip_brackets(address)
    if ":" in bare:
        return "[%s]:%s" % (bare, int(port))
    return "%s:%s" % (bare, int(port))


def connect_url(address, port):
    """A URL that reaches the server from the host itself (wildcard binds map to loopback)."""
    bare = strip_brackets(address)
    if bare in ("0.0.0.0", "", "::", "localhost"):
        bare = "127.0.0.1"
    if ":" in bare:
        return "http://[%s]:%s" % (bare, int(port))
    return "http://%s:%s" % (bare, int(port))


def duration_ok(value):
    value = str(value).strip()
    return bool(DURATION_RE.match(value) or SECONDS_RE.match(value))


def env_errors(environment):
    """Problems in the free-form ollama_environment dict."""
    errors = []
    if environment is None:
        return errors
    if not isinstance(environment, dict):
        return ["ollama_environment must be a dict of VARIABLE: value, not %r" % (environment,)]
    for key, value in environment.items():
        key = str(key)
        if not ENV_NAME_RE.match(key):
            errors.append("ollama_environment key %r is not a valid environment variable name" % key)
            continue
        if key in REMOVED_VARIABLES:
            errors.append(
                "ollama_environment.%s was removed from Ollama in %s and does nothing on current releases; "
                "delete it" % (key, REMOVED_VARIABLES[key])
            )
            continue
        if key in TYPED_VARIABLES:
            errors.append(
                "ollama_environment.%s: use %s instead (the role validates and quotes it)" % (key, TYPED_VARIABLES[key])
            )
            continue
        if key in FORBIDDEN_VARIABLES:
            errors.append("ollama_environment.%s is refused: it %s" % (key, FORBIDDEN_VARIABLES[key]))
            continue
        if isinstance(value, (dict, list, tuple)):
            errors.append("ollama_environment.%s must be a string, number or boolean" % key)
            continue
        if value is not None and re.search(r"[\r\n\x00]", str(value)):
            errors.append("ollama_environment.%s contains a newline or NUL character" % key)
    return errors


def visible_devices_errors(devices):
    errors = []
    if devices is None:
        return errors
    if not isinstance(devices, dict):
        return ["ollama_visible_devices must be a dict such as {cuda: [0, 1]}"]
    for key, value in devices.items():
        if key not in VISIBLE_DEVICES:
            errors.append(
                "ollama_visible_devices.%s is unknown; use %s" % (key, ", ".join(sorted(VISIBLE_DEVICES)))
            )
            continue
        if value is None:
            continue
        items = value if isinstance(value, (list, tuple)) else [value]
        for item in items:
            if isinstance(item, bool) or not re.match(r"^-?[A-Za-z0-9_-]+$", str(item)):
                errors.append(
                    "ollama_visible_devices.%s entry %r is not a device index or UUID (use -1 to hide all)"
                    % (key, item)
                )
    return errors


def _bool_env(value):
    return "1" if value else "0"


def _devices_value(value):
    items = value if isinstance(value, (list, tuple)) else [value]
    return ",".join(str(item) for item in items)


def service_env(settings):
    """Build the service environment from the typed role variables; unset (None) values are left out.

    ``settings`` keys: home, bind_address, port, origins, models_dir, keep_alive, num_parallel, max_loaded_models,
    max_queue, context_length, flash_attention, kv_cache_type, load_timeout, gpu_overhead, sched_spread, noprune,
    debug, visible_devices, cloud, https_proxy, no_proxy, environment (free-form dict, applied last).
    ``cloud`` false sets ``OLLAMA_NO_CLOUD=1`` (the role passes ollama_cloud, default false); true or a missing key
    leaves Ollama's own default (cloud features on).
    Returns a dict (insertion-ordered) of strings.
    """
    env = {}

    def put(key, value):
        if value is not None and value != "":
            env[key] = str(value)

    put("HOME", settings.get("home"))
    if settings.get("bind_address") is not None and settings.get("port") is not None:
        env["OLLAMA_HOST"] = host_value(settings["bind_address"], settings["port"])
    origins = settings.get("origins")
    if origins:
        env["OLLAMA_ORIGINS"] = ",".join(origins)
    put("OLLAMA_MODELS", settings.get("models_dir"))
    put("OLLAMA_KEEP_ALIVE", settings.get("keep_alive"))
    put("OLLAMA_NUM_PARALLEL", settings.get("num_parallel"))
    put("OLLAMA_MAX_LOADED_MODELS", settings.get("max_loaded_models"))
    put("OLLAMA_MAX_QUEUE", settings.get("max_queue"))
    put("OLLAMA_CONTEXT_LENGTH", settings.get("context_length"))
    flash = settings.get("flash_attention")
    if flash is not None and flash != "auto":
        env["OLLAMA_FLASH_ATTENTION"] = _bool_env(flash)
    put("OLLAMA_KV_CACHE_TYPE", settings.get("kv_cache_type"))
    put("OLLAMA_LOAD_TIMEOUT", settings.get("load_timeout"))
    put("OLLAMA_GPU_OVERHEAD", settings.get("gpu_overhead"))
    for key, var in (("sched_spread", "OLLAMA_SCHED_SPREAD"), ("noprune", "OLLAMA_NOPRUNE")):
        if settings.get(key) is not None:
            env[var] = _bool_env(settings[key])
    debug = settings.get("debug")
    if debug is not None:
        if isinstance(debug, bool):
            env["OLLAMA_DEBUG"] = _bool_env(debug)
        else:
            env["OLLAMA_DEBUG"] = str(debug)
    for key, var in VISIBLE_DEVICES.items():
        value = (settings.get("visible_devices") or {}).get(key)
        if value is not None and value != []:
            env[var] = _devices_value(value)
    if settings.get("cloud") is False:
        env["OLLAMA_NO_CLOUD"] = "1"
    put("HTTPS_PROXY", settings.get("https_proxy"))
    no_proxy = settings.get("no_proxy")
    if no_proxy:
        env["NO_PROXY"] = ",".join(no_proxy) if isinstance(no_proxy, (list, tuple)) else str(no_proxy)
    for key, value in (settings.get("environment") or {}).items():
        if value is None:
            continue
        env[str(key)] = _bool_env(value) if isinstance(value, bool) else str(value)
    return env


def settings_errors(settings):
    """Every problem with the typed settings (used by preflight); returns a list of messages."""
    errors = []
    errors.extend(bind_address_errors(settings.get("bind_address")))
    port = settings.get("port")
    if isinstance(port, bool) or not isinstance(port, int) or not 1 <= port <= 65535:
        errors.append("ollama_port %r must be an integer between 1 and 65535" % (port,))
    errors.extend(origins_errors(settings.get("origins")))
    models_dir = settings.get("models_dir")
    if models_dir is not None:
        if not str(models_dir).startswith("/"):
            errors.append("ollama_models_dir %r must be an absolute path" % models_dir)
        elif settings.get("hardening") and (str(models_dir) + "/").startswith(("/home/", "/root/", "/run/user/")):
            errors.append(
                "ollama_models_dir %r is under /home, /root or /run/user, which ProtectHome=yes hides from the "
                "service: move the models (for example to /srv/ollama/models) or set ollama_systemd_hardening: false"
                % models_dir
            )
    home = settings.get("home")
    if home is not None and not str(home).startswith("/"):
        errors.append("ollama_home %r must be an absolute path" % home)
    for key, name in (("keep_alive", "ollama_keep_alive"), ("load_timeout", "ollama_load_timeout")):
        value = settings.get(key)
        if value is not None and not duration_ok(value):
            errors.append(
                "%s %r is neither a Go duration (5m, 1h30m, -1) nor a number of seconds; Ollama would silently "
                "use its default" % (name, value)
            )
    for key, name, minimum in (("num_parallel", "ollama_num_parallel", 1),
                               ("max_loaded_models", "ollama_max_loaded_models", 0),
                               ("max_queue", "ollama_max_queue", 1),
                               ("context_length", "ollama_context_length", 0),
                               ("gpu_overhead", "ollama_gpu_overhead", 0)):
        value = settings.get(key)
        if value is None:
            continue
        if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
            errors.append(
                "%s %r must be an integer >= %d (Ollama silently ignores anything else)" % (name, value, minimum)
            )
    flash = settings.get("flash_attention")
    if flash not in (None, True, False, "auto"):
        errors.append("ollama_flash_attention %r must be true, false or null (auto)" % (flash,))
    kv = settings.get("kv_cache_type")
    if kv is not None:
        if kv not in KV_CACHE_TYPES:
            errors.append(
                "ollama_kv_cache_type %r is unknown; choose one of %s" % (kv, ", ".join(KV_CACHE_TYPES))
            )
        elif kv != "f16" and flash is not True:
            errors.append(
                "ollama_kv_cache_type %r is a quantized K/V cache, which needs flash attention: set "
                "ollama_flash_attention: true (without it Ollama ignores the setting before v0.30 and the model "
                "load fails on v0.30+)" % kv
            )
    debug = settings.get("debug")
    if debug is not None and not (isinstance(debug, bool) or str(debug) in ("0", "1", "2")):
        errors.append("ollama_debug %r must be false, true or 2 (trace)" % (debug,))
    errors.extend(visible_devices_errors(settings.get("visible_devices")))
    for key, name in (("https_proxy", "ollama_https_proxy"), ("download_proxy", "ollama_download_proxy")):
        value = settings.get(key)
        if value and not re.match(r"^(https?|socks5h?)://\S+$", str(value)):
            errors.append("%s %r must be a URL such as http://proxy.example.com:3128" % (name, value))
    errors.extend(env_errors(settings.get("environment")))
    errors.extend(cloud_errors(settings.get("cloud"), settings.get("environment")))
    if "staging_dir" in settings:
        errors.extend(staging_dir_errors(settings.get("staging_dir"), settings))
    for key, value in service_env(settings if not errors else {}).items():
        if re.search(r"[\r\n\x00]", value):
            errors.append("the value of %s contains a newline or NUL character" % key)
    return errors


def cloud_errors(cloud, environment):
    """ollama_cloud (a real boolean) and an OLLAMA_NO_CLOUD in ollama_environment must not contradict each other."""
    errors = []
    if cloud is not None and not isinstance(cloud, bool):
        errors.append("ollama_cloud %r must be true or false" % (cloud,))
        return errors
    if not isinstance(environment, dict) or environment.get("OLLAMA_NO_CLOUD") is None:
        return errors
    value = environment["OLLAMA_NO_CLOUD"]
    off = value is False or (not isinstance(value, bool) and str(value).strip() in GO_FALSE)
    if cloud is True:
        errors.append(
            "ollama_environment.OLLAMA_NO_CLOUD contradicts ollama_cloud: true; remove it from ollama_environment"
        )
    elif off:
        errors.append(
            "ollama_environment.OLLAMA_NO_CLOUD %r would turn Ollama's cloud features back on; set ollama_cloud: true "
            "instead (and remove the entry), knowing that every client of the server then uses its ollama.com account"
            % (value,)
        )
    return errors


def _normpath(path):
    """Normalise an absolute path textually (``//``, ``/./``, ``/../``, trailing ``/``); links are not resolved."""
    path = posixpath.normpath(str(path))
    # POSIX keeps a leading '//' as implementation-defined; Linux treats it as '/'
    return "/" + path.lstrip("/")


def _inside(path, directory):
    """True when ``path`` is ``directory`` or below it (both normalised)."""
    return path == directory or path.startswith(directory.rstrip("/") + "/")


def staging_dir_errors(staging_dir, settings=None):
    """ollama_staging_dir must be a directory of the role's own, never a system or shared one (issue 12, item 2)."""
    settings = settings or {}
    if staging_dir is None or str(staging_dir).strip() == "":
        return ["ollama_staging_dir is empty; use %s (the default)" % STAGING_SUGGESTION]
    raw = str(staging_dir)
    if not raw.startswith("/"):
        return ["ollama_staging_dir %r must be an absolute path such as %s" % (raw, STAGING_SUGGESTION)]
    path = _normpath(raw)
    if path in SHARED_DIRECTORIES:
        return [
            "ollama_staging_dir %r is a system or shared directory (%s): the role removes the release directories it "
            "staged there, so give it a directory of its own, for example %s" % (raw, path, STAGING_SUGGESTION)
        ]
    for key, name in (("home", "ollama_home"), ("models_dir", "ollama_models_dir")):
        other = settings.get(key)
        if other and str(other).startswith("/") and (_inside(path, _normpath(other))
                                                     or _inside(_normpath(other), path)):
            return [
                "ollama_staging_dir %r overlaps %s %r: the service user can write there, and the role removes staged "
                "directories; use a root-owned directory of its own, for example %s"
                % (raw, name, other, STAGING_SUGGESTION)
            ]
    prefix = settings.get("install_prefix")
    if prefix and str(prefix).startswith("/"):
        prefix = _normpath(prefix)
        if _inside(prefix, path) or _inside(path, prefix + "/bin") or _inside(path, prefix + "/lib"):
            return [
                "ollama_staging_dir %r overlaps the install prefix %r (ollama_install_prefix), whose bin/ollama and "
                "lib/ollama the role replaces; use a directory of its own, for example %s"
                % (raw, prefix, STAGING_SUGGESTION)
            ]
    return []


def managed_dirs(stats, home, models_path, user="ollama"):
    """Decide, as root, which of the service user's directories the role may manage, and where they really are.

    ``stats`` are the results of ``ansible.builtin.stat`` with ``follow: false`` (loop results: ``item`` is the path,
    ``stat`` the lstat) for the home, ``<home>/.ollama``, the models path and the parent of each. The service user can
    write its own home and models tree, so a symbolic link there may have been planted to make root chown or delete
    something else: it is refused. A link outside that tree is accepted only when root made it (the link and the
    directory it sits in are root's, and nobody else can write that directory); the role then manages the directory
    it points to.

    Returns ``{'errors': [...], 'paths': {path: real path}, 'dirs': [real paths, home first], 'models': real models
    path}`` for the home, ``<home>/.ollama`` and the models path.
    """
    home = _normpath(home)
    models_path = _normpath(models_path)
    by_path = {}
    for result in stats or []:
        path = result.get("item")
        if isinstance(path, dict):
            path = path.get("path")
        if path:
            by_path[_normpath(path)] = result.get("stat") or {}
    errors = []
    paths = {}
    for path in (home, home + "/.ollama", models_path):
        if path in paths:
            continue
        lstat = by_path.get(path, {})
        paths[path] = path
        if not lstat.get("exists"):
            continue
        if not lstat.get("islnk"):
            if not lstat.get("isdir"):
                errors.append("%s exists but is not a directory; move it away so the role can create the directory"
                              % path)
            continue
        target = lstat.get("lnk_source") or lstat.get("lnk_target") or "?"
        variable = "ollama_home" if path == home else "ollama_models_dir"
        suggested = target + "/models" if path == home + "/.ollama" and models_path == path + "/models" else target
        parent = posixpath.dirname(path)
        pstat = by_path.get(parent, {})
        if path != home and _inside(path, home):
            why = "inside the home of the service user '%s', who can replace it" % user
        elif lstat.get("uid") != 0:
            why = "owned by '%s', not root" % lstat.get("pw_name", lstat.get("uid"))
        elif not pstat.get("exists") or pstat.get("islnk"):
            why = ("in %s, which is itself a symlink; the role only follows a link in a real root-owned directory"
                   % parent)
        elif pstat.get("uid") != 0 or pstat.get("woth") or (pstat.get("wgrp") and pstat.get("gid") != 0):
            why = "in %s, which a user other than root can write" % parent
        else:
            # root's own link in a root-controlled directory: the operator put the directory elsewhere
            paths[path] = _normpath(target) if target != "?" else path
            continue
        errors.append(
            "%s is a symlink to %s, %s. The role runs as root and refuses to follow it (that would give %s to "
            "'%s'). Remove the link and put the real directory back; if you made the link to keep the data "
            "elsewhere, set %s to that directory instead (%s: %s) and remove the link."
            % (path, target, why, target, user, variable, variable, suggested)
        )
    dirs = []
    for real in paths.values():
        if real not in dirs:
            dirs.append(real)
    return {"errors": errors, "paths": paths, "dirs": dirs, "models": paths[models_path]}


def env_split(env):
    """Split the service environment into what may be shown (drop-in) and what must stay root-only (EnvironmentFile).

    Secret: the proxy variables (any case), values that are URLs with user info (``scheme://user:pass@``) and names
    that look like credentials (KEY, TOKEN, SECRET, PASSW..., CREDENTIAL). Returns ``{'public': {}, 'secret': {}}``,
    both in the original order.
    """
    public, secret = {}, {}
    for key, value in (env or {}).items():
        text = "" if value is None else str(value)
        if (str(key).upper() in SECRET_ENV_NAMES or SECRET_NAME_RE.search(str(key))
                or has_url_userinfo(text)):
            secret[key] = value
        else:
            public[key] = value
    return {"public": public, "secret": secret}


def envfile_line(key, value):
    """One ``KEY="value"`` line for a systemd EnvironmentFile= (``"``, backslash, backtick and ``$`` escaped).

    systemd's env-file parser unescapes exactly these four characters inside double quotes and does not expand
    ``%`` specifiers there (unlike ``Environment=``).
    """
    if not ENV_NAME_RE.match(str(key)):
        raise OllamaRoleError("%r is not a valid environment variable name" % (key,))
    value = "" if value is None else str(value)
    if re.search(r"[\r\n\x00]", value):
        raise OllamaRoleError("the value of %s contains a newline or NUL character" % key)
    escaped = re.sub(r'(["\\`$])', r"\\\1", value)
    return '%s="%s"' % (key, escaped)


def envfile_lines(env):
    """``KEY="value"`` lines for a systemd EnvironmentFile=, one variable per line, in the given order."""
    return [envfile_line(key, value) for key, value in (env or {}).items()]


# --------------------------------------------------------------------------------------------- systemd


def systemd_quote(key, value):
    """One ``Environment=`` assignment, double-quoted for systemd (backslash, quote and ``%`` escaped)."""
    if not ENV_NAME_RE.match(str(key)):
        raise OllamaRoleError("%r is not a valid environment variable name" % (key,))
    value = "" if value is None else str(value)
    if re.search(r"[\r\n\x00]", value):
        raise OllamaRoleError("the value of %s contains a newline or NUL character" % key)
    escaped = value.replace("\\", "\\\\").replace('"', '\\"').replace("%", "%%")
    return '"%s=%s"' % (key, escaped)


def systemd_env_lines(env):
    """``Environment=...`` lines for a drop-in, one variable per line, in the given order."""
    return ["Environment=%s" % systemd_quote(key, value) for key, value in env.items()]


def systemd_path_escape(path):
    """Escape a path for a systemd path list (ReadWritePaths=): spaces and backslashes, and ``%``."""
    return str(path).replace("\\", "\\\\").replace(" ", "\\x20").replace("%", "%%")


def path_parents(path):
    """``/a/b/c`` -> ``['/a', '/a/b']`` (the directories the service user must be able to traverse)."""
    parts = [part for part in str(path).split("/") if part]
    return ["/" + "/".join(parts[:index]) for index in range(1, len(parts))]
