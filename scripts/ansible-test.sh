#!/usr/bin/env bash
# Run ansible-test on a copy of the collection.
#
# ansible-test must run from a directory named ansible_collections/<ns>/<name>
# and it resolves symlinks, so build/collections (a symlink to the repo root)
# cannot be used. This copies the files git knows about (tracked, plus untracked
# ones that are not ignored: new work counts, build output does not) to
# build/sanity/ansible_collections/localllm/ollama and runs ansible-test there.
#   scripts/ansible-test.sh sanity --venv --python 3.11
set -euo pipefail

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
dest="${repo_root}/build/sanity/ansible_collections/localllm/ollama"

cd "${repo_root}"
mkdir -p build
# One run at a time: runs share the copy and ansible-test's per-test venvs under ~/.ansible/test.
exec 9>build/ansible-test.lock
if ! flock --nonblock 9; then
    echo "ansible-test.sh: another ansible-test run in this checkout is active; waiting for it" >&2
    flock 9
fi
rm -rf "${dest}"
mkdir -p "${dest}"

if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
    # -z lists; files deleted in the work tree but still in the index are skipped
    git ls-files -z --cached --others --exclude-standard |
        while IFS= read -r -d '' path; do
            # collections/ links back to the repository root (for `ansible-playbook site.yml`); not content
            [[ "${path}" == collections/* ]] && continue
            if [[ -f "${path}" || -L "${path}" ]]; then
                printf '%s\0' "${path}"
            fi
        done |
        tar --null --no-recursion -T - -cf - | tar -C "${dest}" -xf -
else
    # not a git checkout (e.g. an unpacked tarball): copy what galaxy would ship plus tests
    tar --exclude=./.venv --exclude=./build --exclude=./tests/output --exclude=./.git \
        --exclude=__pycache__ --exclude=./.ansible -cf - . | tar -C "${dest}" -xf -
fi

cd "${dest}"
# The copy lives inside this repository's ignored build/ folder, so ansible-test would take the outer
# repository's file list (which ignores build/) and skip everything: give the copy its own git repository.
# Its files stay untracked; ansible-test lists untracked, not-ignored files like tracked ones.
git init --quiet .
exec ansible-test "$@"
