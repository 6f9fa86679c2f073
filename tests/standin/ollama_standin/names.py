"""Model names like types/model/name.go (ollama-server.md §6)."""
from __future__ import annotations

import re

DEFAULT_HOST = "registry.ollama.ai"
DEFAULT_NAMESPACE = "library"
DEFAULT_TAG = "latest"
MISSING = "!MISSING!"

_PART_RE = {
    # §6: first char [A-Za-z0-9_]; host [A-Za-z0-9_.:-] 1-350; namespace [A-Za-z0-9_-] 1-80; model/tag [A-Za-z0-9_.-] 1-80
    "host": re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.:-]{0,349}"),
    "namespace": re.compile(r"[A-Za-z0-9_][A-Za-z0-9_-]{0,79}"),
    "model": re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.-]{0,79}"),
    "tag": re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.-]{0,79}"),
}


class Name:
    def __init__(self, host="", namespace="", model="", tag="", scheme=""):
        self.host = host
        self.namespace = namespace
        self.model = model
        self.tag = tag
        self.scheme = scheme

    def is_valid(self):
        for kind in ("host", "namespace", "model", "tag"):
            if not _PART_RE[kind].fullmatch(getattr(self, kind)):
                return False
        return True

    def display_shortest(self):
        # §5.4: default host+namespace dropped, tag always kept.
        if self.host.lower() != DEFAULT_HOST:
            prefix = "%s/%s/" % (self.host, self.namespace)
        elif self.namespace.lower() != DEFAULT_NAMESPACE:
            prefix = self.namespace + "/"
        else:
            prefix = ""
        return "%s%s:%s" % (prefix, self.model, self.tag)

    def filepath_parts(self):
        return [self.host, self.namespace, self.model, self.tag]

    def key(self):
        return tuple(p.lower() for p in self.filepath_parts())

    def __str__(self):
        return "%s/%s/%s:%s" % (self.host, self.namespace, self.model, self.tag)


def _cut_promised(s, sep):
    i = s.rfind(sep)
    if i < 0:
        return s, "", False
    return (s[:i] or MISSING), (s[i + 1:] or MISSING), True


def parse_bare(s):
    n = Name()
    if s.rfind(":") > s.rfind("/"):
        s, n.tag, _ignored = _cut_promised(s, ":")
    s, n.model, promised = _cut_promised(s, "/")
    if not promised:
        n.model = s
        return n
    s, n.namespace, promised = _cut_promised(s, "/")
    if not promised:
        n.namespace = s
        return n
    scheme, sep, hostpart = s.partition("://")
    if sep:
        n.scheme = scheme
        n.host = hostpart
    else:
        n.host = scheme
    return n


def parse(s):
    """ParseName merged with the defaults (registry.ollama.ai/library/<m>:latest)."""
    n = parse_bare(s)
    n.host = n.host or DEFAULT_HOST
    n.namespace = n.namespace or DEFAULT_NAMESPACE
    n.tag = n.tag or DEFAULT_TAG
    return n


def parse_valid(s):
    """Returns a valid Name or None."""
    if not isinstance(s, str) or s == "" or "@" in s:
        return None
    n = parse(s)
    return n if n.is_valid() else None
