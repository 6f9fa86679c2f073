#!/usr/bin/env bash
# Build the offline Ollama stand-in archives (and docker images when docker answers) into build/standin/.
# Usage: tests/standin/build.sh [--force] [--images|--no-images] [--out DIR]   (cached; see tests/standin/README.md)
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
exec python3 "$here/build.py" "$@"
