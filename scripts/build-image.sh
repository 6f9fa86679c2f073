#!/usr/bin/env bash
# Build a systemd-capable Debian base image for the molecule test containers,
# without any container registry: debootstrap (minbase) from the Debian archive,
# then `docker import`.
#
# usage: scripts/build-image.sh <suite> <tag>
#        scripts/build-image.sh bookworm localllm-test/debian12-systemd:latest
#        scripts/build-image.sh trixie   localllm-test/debian13-systemd:latest
#
# Cached: when <tag> exists and carries the label org.localllm.test.build-key
# matching this script + suite + mirror, nothing is rebuilt. FORCE=1 rebuilds.
# The Debian mirror comes from DEBIAN_MIRROR, else from this machine's apt
# sources, else http://deb.debian.org/debian.
set -euo pipefail

if [[ $# -ne 2 ]]; then
    echo "usage: $0 <suite: bookworm|trixie> <image tag>" >&2
    exit 2
fi
suite="$1"
tag="$2"
case "${suite}" in
    bookworm | trixie) ;;
    *)
        echo "build-image: unsupported suite '${suite}' (use bookworm or trixie; systemd >= 258 cannot boot on cgroup v1 hosts)" >&2
        exit 2
        ;;
esac

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
work_dir="${repo_root}/build/images"
label_key="org.localllm.test.build-key"
packages="systemd,systemd-sysv,dbus,python3,python3-apt,ca-certificates,curl,iproute2,procps,gnupg"

log() { printf 'build-image[%s]: %s\n' "${suite}" "$*"; }

# First http(s) URI of the main Debian archive found in the apt sources (one-line
# and deb822 formats); security and third-party repositories are skipped.
detect_mirror() {
    local files=() uri
    [[ -r /etc/apt/sources.list ]] && files+=(/etc/apt/sources.list)
    shopt -s nullglob
    files+=(/etc/apt/sources.list.d/*.list /etc/apt/sources.list.d/*.sources)
    shopt -u nullglob
    ((${#files[@]} > 0)) || return 0
    uri="$(
        sed -n -E \
            -e 's/^[[:space:]]*deb[[:space:]]+(\[[^]]*\][[:space:]]+)?(https?:\/\/[^[:space:]]+).*/\2/p' \
            -e 's/^[[:space:]]*URIs:[[:space:]]*(https?:\/\/[^[:space:]]+).*/\1/p' \
            "${files[@]}" 2>/dev/null |
            grep -E '/debian/?$' | head -n 1 || true
    )"
    printf '%s' "${uri%/}"
}

mirror="${DEBIAN_MIRROR:-$(detect_mirror)}"
mirror="${mirror:-http://deb.debian.org/debian}"

build_key="$(
    {
        sha256sum "${BASH_SOURCE[0]}" | cut -d' ' -f1
        printf '%s\n%s\n%s\n' "${suite}" "${mirror}" "${packages}"
    } | sha256sum | cut -c1-16
)"

current_key="$(docker image inspect --format "{{ index .Config.Labels \"${label_key}\" }}" "${tag}" 2>/dev/null || true)"
if [[ "${FORCE:-0}" != 1 && "${current_key}" == "${build_key}" ]]; then
    log "${tag} is up to date (build key ${build_key}); skipping"
    exit 0
fi

[[ "$(id -u)" -eq 0 ]] || { echo "build-image: debootstrap needs root" >&2; exit 1; }
command -v debootstrap >/dev/null || { echo "build-image: debootstrap is missing (apt-get install debootstrap)" >&2; exit 1; }

rootfs="${work_dir}/${suite}-rootfs"
mkdir -p "${work_dir}"
cleanup() { rm -rf "${rootfs}"; }
trap cleanup EXIT
cleanup

log "debootstrap --variant=minbase ${suite} from ${mirror}"
start=${SECONDS}
debootstrap --variant=minbase --include="${packages}" "${suite}" "${rootfs}" "${mirror}" \
    >"${work_dir}/${suite}-debootstrap.log" 2>&1 || {
    tail -n 30 "${work_dir}/${suite}-debootstrap.log" >&2
    exit 1
}
log "debootstrap took $((SECONDS - start)) s"

# Image hygiene: every container gets its own machine id (an empty file means
# "generate a transient one at boot" without first-boot semantics), no apt lists
# or caches (the first apt task must update the cache), no logs.
: >"${rootfs}/etc/machine-id"
rm -f "${rootfs}/var/lib/dbus/machine-id"
rm -rf "${rootfs}"/var/lib/apt/lists/* "${rootfs}"/var/cache/apt/*.bin "${rootfs}"/var/cache/apt/archives/*.deb
# An empty list directory must also look old: apt's cache_valid_time reads its mtime, and a fresh one would make
# `update_cache: true, cache_valid_time: N` skip the update within N seconds of the build and find no package.
touch -d @0 "${rootfs}/var/lib/apt/lists"
find "${rootfs}/var/log" -type f -delete
# Units that cannot work in a container and only slow the boot down or degrade it.
for unit in systemd-remount-fs.service getty.target console-getty.service; do
    ln -sf /dev/null "${rootfs}/etc/systemd/system/${unit}"
done

log "docker import as ${tag}"
start=${SECONDS}
tar --numeric-owner -C "${rootfs}" -c . |
    docker import \
        -c 'CMD ["/sbin/init"]' \
        -c 'ENV container=docker' \
        -c "LABEL ${label_key}=${build_key}" \
        -c "LABEL org.localllm.test.suite=${suite}" \
        - "${tag}" >/dev/null
log "docker import took $((SECONDS - start)) s; $(docker image inspect --format '{{.Size}}' "${tag}" | awk '{printf "%.0f MB", $1/1e6}')"
