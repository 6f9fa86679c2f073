#!/bin/sh
# Unpacks Debian's docker-registry (CNCF distribution 2.8) into build/tools/docker-registry for the tests that talk
# to a real registry on loopback (stand-in push, ollama_registry_model uploads). The package is unpacked, not
# installed: installing it would start a system registry service on this machine. Prints the binary's path.
set -eu
root="$(cd "$(dirname "$0")/.." && pwd)"
dest="$root/build/tools/docker-registry"
bin="$dest/usr/bin/docker-registry"
if [ ! -x "$bin" ]; then
    work="$(mktemp -d)"
    trap 'rm -rf "$work"' EXIT
    echo "ensure-registry: unpacking Debian's docker-registry into $dest" >&2
    (cd "$work" && apt-get download docker-registry >/dev/null 2>&1) || {
        apt-get update -qq && (cd "$work" && apt-get download docker-registry)
    }
    rm -rf "$dest"
    mkdir -p "$dest"
    dpkg-deb -x "$work"/docker-registry_*.deb "$dest"
fi
echo "$bin"
