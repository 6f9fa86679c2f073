#!/usr/bin/env bash
# TEST DOUBLE builder (molecule scenario `nvidia_container_toolkit`, see README.md): a signed flat apt repository laid out like
# https://nvidia.github.io/libnvidia-container/stable/deb/$(ARCH) with fake packages of NVIDIA's names and versions.
#   build-fake-repo.sh OUT_DIR VERSION...      e.g. build-fake-repo.sh /srv/nvidia-fake-repo 1.17.8 1.18.2
# Writes OUT_DIR/stable/deb/<arch>/{*.deb,Packages,Packages.gz,Release,InRelease,Release.gpg} and OUT_DIR/gpgkey
# (the throwaway public key, ASCII-armored like NVIDIA's). Needs dpkg-deb, apt-ftparchive (apt-utils) and gpg.
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
out="$1"
shift
arch="$(dpkg --print-architecture)"
repo="${out}/stable/deb/${arch}"
work="$(mktemp -d)"
trap 'gpgconf --kill all >/dev/null 2>&1 || true; rm -rf "${work}"' EXIT
mkdir -p "${repo}"

# package NAME VERSION DEPENDS FILE... : FILE is "source:destination-in-package"
package() {
    local name="$1" version="$2" depends="$3"
    shift 3
    local root="${work}/${name}_${version}"
    mkdir -p "${root}/DEBIAN" "${root}/usr/share/doc/${name}"
    {
        echo "Package: ${name}"
        echo "Version: ${version}-1"
        echo "Architecture: ${arch}"
        echo "Maintainer: localllm.ollama test suite <nvidia-test@localllm.invalid>"
        [[ -n "${depends}" ]] && echo "Depends: ${depends}"
        echo "Section: utils"
        echo "Priority: optional"
        echo "Description: TEST DOUBLE of NVIDIA's ${name} (not NVIDIA software)"
        echo " Built by molecule/nvidia_container_toolkit/files/build-fake-repo.sh for the localllm.ollama tests."
    } > "${root}/DEBIAN/control"
    echo "Test double of ${name} ${version}; see molecule/nvidia_container_toolkit/files/README.md" > "${root}/usr/share/doc/${name}/TEST-DOUBLE"
    local spec src dst
    for spec in "$@"; do
        src="${spec%%:*}"
        dst="${root}${spec#*:}"
        mkdir -p "$(dirname "${dst}")"
        if [[ "${src}" == *.py ]]; then
            { echo '#!/usr/bin/python3'; sed "s/@VERSION@/${version}/" "${here}/fake-toolkit/${src}"; } > "${dst}"
        else
            sed "s/@VERSION@/${version}/" "${here}/fake-toolkit/${src}" > "${dst}"
        fi
        chmod 0755 "${dst}"
    done
    dpkg-deb --root-owner-group -Zgzip --build "${root}" "${repo}/${name}_${version}-1_${arch}.deb" >/dev/null
}

for v in "$@"; do
    package libnvidia-container1 "${v}" ""
    package libnvidia-container-tools "${v}" "libnvidia-container1 (>= ${v}-1)" \
        nvidia-container-cli:/usr/bin/nvidia-container-cli
    package nvidia-container-toolkit-base "${v}" "" \
        nvidia-ctk.py:/usr/bin/nvidia-ctk nvidia-container-runtime:/usr/bin/nvidia-container-runtime
    package nvidia-container-toolkit "${v}" \
        "nvidia-container-toolkit-base (= ${v}-1), libnvidia-container-tools (>= ${v}-1), libnvidia-container-tools (<< 2.0.0)" \
        nvidia-container-runtime-hook:/usr/bin/nvidia-container-runtime-hook
done

cd "${repo}"
apt-ftparchive packages . > Packages
gzip -9nkf Packages
apt-ftparchive release . > Release

export GNUPGHOME="${work}/gnupg"
mkdir -m 0700 "${GNUPGHOME}"
gpg --batch --quiet --passphrase '' \
    --quick-gen-key 'localllm.ollama nvidia test repository (throwaway) <nvidia-test@localllm.invalid>' ed25519 sign never
gpg --batch --quiet --yes --clearsign -o InRelease Release
gpg --batch --quiet --yes --armor --detach-sign -o Release.gpg Release
gpg --batch --quiet --armor --export > "${out}/gpgkey"
