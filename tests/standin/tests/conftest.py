"""pytest fixtures for the stand-in conformance tests (defined in standin_helpers.py)."""
from __future__ import annotations

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from standin_helpers import built, install_root, make_server, ollama_bin, registry, shared_server  # noqa: E402

__all__ = ["built", "install_root", "make_server", "ollama_bin", "registry", "shared_server"]
