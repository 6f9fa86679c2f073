#!/usr/bin/env bash
# TEST DOUBLE (molecule scenario `nvidia_container_toolkit`, see README.md): make this test container look like a GPU host.
#   fake-gpu.sh on [--driver]   bind-mount a PCI tree with one NVIDIA H100 (and the ASPEED BMC VGA every server
#                               has) over /sys/bus/pci/devices; --driver also installs a fake nvidia-smi
#   fake-gpu.sh off             undo both
# Only this container's mount namespace is affected.
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
tree=/run/fake-gpu-sysfs
smi=/usr/local/bin/nvidia-smi

device() {  # address vendor device class driver
    local dir="${tree}/devices/$1"
    mkdir -p "${dir}" "${tree}/drivers/$5"
    echo "$2" > "${dir}/vendor"
    echo "$3" > "${dir}/device"
    echo "$4" > "${dir}/class"
    ln -sfn "${tree}/drivers/$5" "${dir}/driver"
}

case "${1:-}" in
    on)
        if ! mountpoint -q /sys/bus/pci/devices; then
            rm -rf "${tree}"
            device 0000:02:00.0 0x1a03 0x2000 0x030000 ast
            device 0000:19:00.0 0x10de 0x2330 0x030200 nvidia
            mount --bind "${tree}/devices" /sys/bus/pci/devices
        fi
        if [[ "${2:-}" == "--driver" ]]; then
            install -m 0755 "${here}/nvidia-smi" "${smi}"
        fi
        ;;
    off)
        if mountpoint -q /sys/bus/pci/devices; then umount /sys/bus/pci/devices; fi
        rm -rf "${tree}" "${smi}"
        ;;
    *)
        echo "usage: $0 on [--driver] | off" >&2
        exit 2
        ;;
esac
