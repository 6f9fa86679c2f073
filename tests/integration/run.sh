#!/usr/bin/env bash
# Run the module integration targets against the offline stand-in (see tests/integration/run.py --help).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "${here}/../.." && pwd)"
python="${repo}/.venv/bin/python"
[[ -x "${python}" ]] || python="$(command -v python3)"
exec "${python}" "${here}/run.py" "$@"
