#!/usr/bin/env bash
# Make sure a Docker engine answers on this machine.
#
# 1. If `docker info` works: nothing to do.
# 2. Else, if we are root on Debian: install the host packages `make test` needs
#    (docker.io, debootstrap, zstd, and shellcheck for ansible-test sanity) from the apt archive and start dockerd
#    (through systemd when systemd is PID 1, otherwise in the background with its
#    log in build/dockerd.log), then wait until it answers.
# 3. Otherwise stop with a message that says what to do.
set -euo pipefail

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build_dir="${repo_root}/build"
wait_seconds="${DOCKER_WAIT_SECONDS:-60}"
host_packages=(docker.io debootstrap zstd shellcheck)

log() { printf 'ensure-docker: %s\n' "$*"; }
die() { printf 'ensure-docker: ERROR: %s\n' "$*" >&2; exit 1; }

docker_answers() { command -v docker >/dev/null 2>&1 && docker info >/dev/null 2>&1; }

wait_for_docker() {
    local i
    for ((i = 0; i < wait_seconds; i++)); do
        if docker_answers; then
            return 0
        fi
        sleep 1
    done
    return 1
}

missing_host_packages() {
    local pkg
    for pkg in "${host_packages[@]}"; do
        if ! dpkg-query -W -f='${Status}' "${pkg}" 2>/dev/null | grep -q 'ok installed'; then
            printf '%s\n' "${pkg}"
        fi
    done
}

is_root_on_debian() {
    [[ "$(id -u)" -eq 0 ]] && [[ -r /etc/debian_version ]] && command -v apt-get >/dev/null 2>&1
}

if is_root_on_debian; then
    mapfile -t missing < <(missing_host_packages)
    if ((${#missing[@]} > 0)); then
        log "installing host packages: ${missing[*]}"
        export DEBIAN_FRONTEND=noninteractive
        apt-get update -qq
        apt-get install -y -qq --no-install-recommends "${missing[@]}"
    fi
fi

if docker_answers; then
    log "docker engine answers: $(docker info --format '{{.ServerVersion}} (cgroup v{{.CgroupVersion}}, {{.CgroupDriver}})')"
    exit 0
fi

if ! is_root_on_debian; then
    die "no Docker engine answers ('docker info' failed) and this is not root on Debian, so it cannot be installed here.
Start a Docker engine that the current user may use (or run 'make test' as root on Debian 12/13) and try again."
fi

command -v dockerd >/dev/null 2>&1 || die "dockerd is not on PATH although docker.io is installed"

if [[ "$(ps -p 1 -o comm= 2>/dev/null)" == "systemd" ]]; then
    log "starting docker.service through systemd"
    systemctl start docker.service
else
    mkdir -p "${build_dir}"
    log "systemd is not PID 1: starting dockerd in the background (log: build/dockerd.log)"
    nohup dockerd >"${build_dir}/dockerd.log" 2>&1 &
fi

if ! wait_for_docker; then
    tail -n 30 "${build_dir}/dockerd.log" 2>/dev/null >&2 || true
    die "dockerd did not answer within ${wait_seconds} s (see build/dockerd.log or 'journalctl -u docker')"
fi
log "docker engine answers: $(docker info --format '{{.ServerVersion}} (cgroup v{{.CgroupVersion}}, {{.CgroupDriver}})')"
