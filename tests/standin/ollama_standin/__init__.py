"""Offline Ollama stand-in (test double): server, CLI and registry client.

Written from ../shared/reference/ollama-server.md; it performs no inference.
"""
from __future__ import annotations

from ._version import VERSION

__all__ = ["VERSION"]
