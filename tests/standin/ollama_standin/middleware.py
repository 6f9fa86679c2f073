"""CORS (gin-contrib/cors v1.7.2 as configured by Ollama, ollama-server.md §4) and the Host allow-list (§3)."""
from __future__ import annotations

import ipaddress
import socket

SCHEMAS = ("http://", "https://", "chrome-extension://", "safari-extension://", "moz-extension://", "ms-browser-extension://")
BAD_ORIGIN = "bad origin: origins must contain '*' or include " + ",".join(SCHEMAS)
ALLOW_METHODS = "GET,POST,PUT,PATCH,DELETE,HEAD,OPTIONS"
ALLOW_HEADERS = ",".join([
    "Authorization", "Content-Type", "User-Agent", "Accept", "X-Requested-With", "Openai-Beta",
    "X-Stainless-Arch", "X-Stainless-Async", "X-Stainless-Custom-Poll-Interval", "X-Stainless-Helper-Method",
    "X-Stainless-Lang", "X-Stainless-Os", "X-Stainless-Package-Version", "X-Stainless-Poll-Helper",
    "X-Stainless-Retry-Count", "X-Stainless-Runtime", "X-Stainless-Runtime-Version", "X-Stainless-Timeout",
])
MAX_AGE = "43200"  # §4: MaxAge 12h


class CorsPanic(Exception):
    pass


class Cors:
    def __init__(self, origins):
        # config.Validate(): every entry without '*' must start with an allowed schema (§4 startup panics).
        for o in origins:
            if "*" not in o and not o.startswith(SCHEMAS):
                raise CorsPanic(BAD_ORIGIN)
        self.allow_all = False
        self.exact = []
        self.wildcards = []
        for o in origins:
            if o == "*":
                self.allow_all = True
                continue
            if "*" in o:
                if o.count("*") > 1:
                    raise CorsPanic("only one * is allowed")
                i = o.index("*")
                self.wildcards.append((o[:i], o[i + 1:]))
            else:
                self.exact.append(o.strip().lower())

    def origin_allowed(self, origin):
        if self.allow_all:
            return True
        if origin in self.exact:
            return True
        for prefix, suffix in self.wildcards:
            if len(origin) >= len(prefix) + len(suffix) and origin.startswith(prefix) and origin.endswith(suffix):
                return True
        return False

    def apply(self, method, origin, host):
        """Returns (abort_status or None, headers list)."""
        if not origin:
            return None, []  # §4.1 not a CORS request
        if origin == "http://" + host or origin == "https://" + host:
            return None, []  # §4.2 same origin
        if not self.origin_allowed(origin):
            return 403, []  # §4.3 403, empty body
        headers = []
        if method == "OPTIONS":
            # §4.4 preflight -> 204
            headers += [("Access-Control-Allow-Methods", ALLOW_METHODS), ("Access-Control-Allow-Headers", ALLOW_HEADERS),
                        ("Access-Control-Max-Age", MAX_AGE)]
            if self.allow_all:
                headers.append(("Access-Control-Allow-Origin", "*"))
            else:
                headers += [("Vary", "Origin"), ("Vary", "Access-Control-Request-Method"), ("Vary", "Access-Control-Request-Headers"),
                            ("Access-Control-Allow-Origin", origin)]
            return 204, headers
        if self.allow_all:
            headers.append(("Access-Control-Allow-Origin", "*"))  # §4.6
        else:
            headers += [("Vary", "Origin"), ("Access-Control-Allow-Origin", origin)]  # §4.5
        return None, headers


# Go net.IP.IsPrivate ranges
_PRIVATE = [ipaddress.ip_network(n) for n in ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "fc00::/7")]


def _local_addresses():
    addrs = set()
    try:
        with open("/proc/net/fib_trie") as f:
            last = None
            for line in f:
                line = line.strip()
                if line.startswith("|--"):
                    last = line[3:].strip()
                elif "/32 host LOCAL" in line and last:
                    addrs.add(last)
    except OSError:
        pass
    try:
        with open("/proc/net/if_inet6") as f:
            for line in f:
                h = line.split()[0]
                addrs.add(str(ipaddress.ip_address(":".join(h[i:i + 4] for i in range(0, 32, 4)))))
    except (OSError, ValueError, IndexError):
        pass
    return addrs


def _split_host_port(value):
    if value.startswith("["):
        end = value.find("]")
        if end >= 0 and value[end + 1:].startswith(":") and ":" not in value[end + 2:]:
            return value[1:end]
        return None
    if value.count(":") == 1:
        return value.split(":")[0]
    return None


class HostCheck:
    """allowedHostsMiddleware (ollama-server.md §3)."""

    def __init__(self, bound_loopback):
        self.enabled = bound_loopback
        self.local = _local_addresses()
        self.hostname = socket.gethostname().lower()

    def check(self, method, host_header):
        """Returns None (pass), 204 (OPTIONS for an accepted hostname) or 403."""
        if not self.enabled:
            return None
        host = _split_host_port(host_header)
        if host is None:
            host = host_header
        try:
            ip = ipaddress.ip_address(host)
        except ValueError:
            ip = None
        if ip is not None:
            if ip.is_loopback or any(ip in n for n in _PRIVATE if n.version == ip.version) or ip.is_unspecified or str(ip) in self.local:
                return None
            return 403
        h = host.lower()
        if h in ("", "localhost") or h == self.hostname or h.endswith((".localhost", ".local", ".internal")):
            return 204 if method == "OPTIONS" else None
        return 403
