#!/usr/bin/env bash
# Create or refresh the toolchain venv (.venv) from the pinned requirements.
#
# Idempotent: .venv/.localllm-requirements.stamp holds a hash of the Python
# version and both requirement files; when it matches, nothing is done. An
# existing venv is never deleted, only brought to the pinned versions.
# PYTHON (default /usr/bin/python3, Debian's 3.11) picks the interpreter.
set -euo pipefail

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "${repo_root}"

python="${PYTHON:-/usr/bin/python3}"
venv=".venv"
stamp="${venv}/.localllm-requirements.stamp"
requirements="requirements/requirements.in"
constraints="requirements/constraints.txt"

log() { printf 'bootstrap-venv: %s\n' "$*"; }

[[ -x "${python}" ]] || { echo "bootstrap-venv: ${python} not found; install python3 and python3-venv" >&2; exit 1; }

key="$(
    {
        "${python}" -c 'import sys; print(sys.version)'
        cat "${requirements}" "${constraints}"
    } | sha256sum | cut -d' ' -f1
)"

if [[ -x "${venv}/bin/python" && -f "${stamp}" && "$(cat "${stamp}")" == "${key}" ]]; then
    log "${venv} is up to date"
    exit 0
fi

# Debian splits ensurepip (needed by `python3 -m venv`) into python3-venv; install it when we may.
if ! "${python}" -c 'import ensurepip' >/dev/null 2>&1 && [[ "$(id -u)" -eq 0 ]] && command -v apt-get >/dev/null 2>&1; then
    log "installing python3-venv with apt"
    DEBIAN_FRONTEND=noninteractive apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends python3-venv
fi

if [[ ! -x "${venv}/bin/python" ]]; then
    log "creating ${venv} with ${python} ($("${python}" -V 2>&1))"
    "${python}" -m venv "${venv}" || {
        echo "bootstrap-venv: '${python} -m venv' failed; on Debian: apt-get install python3-venv" >&2
        exit 1
    }
fi

pip=("${venv}/bin/python" -m pip --disable-pip-version-check)
log "installing pinned pip"
"${pip[@]}" install -q -c "${constraints}" pip
log "installing ${requirements} with ${constraints}"
"${pip[@]}" install -q -c "${constraints}" -r "${requirements}"
"${pip[@]}" check
printf '%s\n' "${key}" >"${stamp}"
log "${venv} ready: $("${venv}/bin/ansible" --version | head -n 1)"
