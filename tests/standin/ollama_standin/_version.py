"""Version reported by the stand-in; tests/standin/build.py rewrites this file per packaged version."""
from __future__ import annotations

import os

# ollama-server.md §5.2: builds without ldflags report 0.0.0.  OLLAMA_STANDIN_VERSION overrides (source runs only).
VERSION = os.environ.get("OLLAMA_STANDIN_VERSION") or "0.0.0"
