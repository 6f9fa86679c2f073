#!/usr/bin/env bash
# Build the collection tarball the way a release does, prove that `ansible-galaxy collection install` accepts it
# offline, and that it ships none of the development files (tests, molecule, venvs, caches, build outputs).
set -euo pipefail

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "${repo_root}"
dist="${repo_root}/build/dist"
rm -rf "${dist}"
mkdir -p "${dist}/install"

ansible-galaxy collection build --force --output-path "${dist}" . >/dev/null
tarball=$(ls "${dist}"/localllm-ollama-*.tar.gz)
echo "built ${tarball#"${repo_root}"/}"

members=$(tar -tzf "${tarball}")
forbidden='^(\./)?(tests|molecule|\.venv|build|\.config|\.ci|scripts|bench|requirements|extensions)/|__pycache__|\.pyc$|\.pytest_cache|Makefile$'
if grep -E "${forbidden}" <<<"${members}"; then
    echo "the tarball ships development files (above); extend build_ignore in galaxy.yml" >&2
    exit 1
fi
for required in MANIFEST.json FILES.json README.md LICENSE meta/runtime.yml roles/ollama/tasks/main.yml \
    roles/gateway/tasks/main.yml plugins/modules/ollama_model.py plugins/module_utils/_api.py; do
    grep -qx "${required}" <<<"${members}" || { echo "the tarball lacks ${required}" >&2; exit 1; }
done

ansible-galaxy collection install --offline --force -p "${dist}/install" "${tarball}" >/dev/null
test -f "${dist}/install/ansible_collections/localllm/ollama/MANIFEST.json"
ANSIBLE_COLLECTIONS_PATH="${dist}/install" ansible-doc -t module localllm.ollama.ollama_model >/dev/null
echo "installed offline from the tarball; $(wc -l <<<"${members}") members, no development files"
