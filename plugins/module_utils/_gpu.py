# -*- coding: utf-8 -*-
# Copyright (c) 2026, localllm maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# PRIVATE: this module_util is internal to the localllm.ollama collection. It is not a public API, it is not
# covered by semantic versioning and it may change or disappear in any release. Do not import it from other
# collections or from playbooks.

"""GPU detection for localllm.ollama.gpu_info: PCI devices from sysfs and NVIDIA GPUs from nvidia-smi.

Pure Python (standard library only), no AnsibleModule: the module passes a ``run(argv) -> (rc, stdout, stderr)``
callable, so every branch is unit-tested with fixtures and a fake sysfs tree.
"""

from __future__ import annotations

import csv
import io
import os
import re

DEFAULT_SYSFS_PCI_PATH = '/sys/bus/pci/devices'

VENDOR_IDS = {'0x10de': 'nvidia', '0x1002': 'amd', '0x8086': 'intel'}
GPU_VENDOR_IDS = ('0x10de', '0x1002')

# PCI base class 0x03 = display controller (0x0300 VGA, 0x0302 3D controller such as a data-centre GPU, 0x0380 other);
# 0x1200 = processing accelerator (some AMD Instinct parts); only counted for NVIDIA and AMD.
DISPLAY_CLASS_PREFIX = '0x03'
ACCELERATOR_CLASS_PREFIX = '0x1200'

QUERY_FIELDS = ('index', 'uuid', 'name', 'memory.total', 'memory.used', 'memory.free', 'driver_version', 'pci.bus_id')
QUERY_ARGS = ['--query-gpu=' + ','.join(QUERY_FIELDS), '--format=csv,noheader,nounits']

# What nvidia-smi prints instead of a value ("[N/A]", "[Not Supported]", "[Unknown Error]", "[GPU is lost]" ...).
_PLACEHOLDER = re.compile(r'^\[.*\]$|^N/A$', re.IGNORECASE)
_CUDA = re.compile(r'CUDA Version\s*:\s*([0-9]+(?:\.[0-9]+)*)', re.IGNORECASE)
_DRIVER = re.compile(r'(?:DRIVER version|Driver Version)\s*:\s*([0-9]+(?:\.[0-9]+)*)')
_MIB = re.compile(r'^([0-9]+)(?:\s*MiB)?$', re.IGNORECASE)


def vendor_name(vendor_id):
    """'nvidia', 'amd', 'intel' or 'other' for a PCI vendor id such as '0x10de'."""
    return VENDOR_IDS.get((vendor_id or '').strip().lower(), 'other')


def is_gpu_class(vendor_id, class_code):
    """True for display-class devices (0x03xxxx) and NVIDIA/AMD processing accelerators (0x1200xx)."""
    class_code = (class_code or '').lower()
    if class_code.startswith(DISPLAY_CLASS_PREFIX):
        return True
    return vendor_id.lower() in GPU_VENDOR_IDS and class_code.startswith(ACCELERATOR_CLASS_PREFIX)


def _read(path):
    with open(path, encoding='ascii', errors='replace') as stream:
        return stream.read().strip().lower()


def read_pci_devices(root=DEFAULT_SYSFS_PCI_PATH):
    """GPU-class PCI devices under ``root`` (a /sys/bus/pci/devices tree), sorted by address.

    Returns (devices, problems). A device whose vendor or class file cannot be read is skipped; a missing or
    unreadable root is reported in problems, never raised.
    """
    try:
        entries = sorted(os.listdir(root))
    except OSError as e:
        return [], ['cannot list PCI devices in %s: %s' % (root, e.strerror or e)]
    devices = []
    for address in entries:
        path = os.path.join(root, address)
        try:
            vendor_id = _read(os.path.join(path, 'vendor'))
            class_code = _read(os.path.join(path, 'class'))
        except OSError:
            continue
        if not is_gpu_class(vendor_id, class_code):
            continue
        try:
            device_id = _read(os.path.join(path, 'device'))
        except OSError:
            device_id = None
        driver_link = os.path.join(path, 'driver')
        driver = os.path.basename(os.readlink(driver_link)) if os.path.islink(driver_link) else None
        devices.append({
            'address': address,
            'vendor': vendor_name(vendor_id),
            'vendor_id': vendor_id,
            'device_id': device_id,
            'class': class_code,
            'driver': driver,
        })
    return devices, []


def _text(value):
    """A field of nvidia-smi CSV output, or None for its placeholders ([N/A], [Not Supported], ...)."""
    value = (value or '').strip()
    if not value or _PLACEHOLDER.match(value):
        return None
    return value


def _int(value):
    value = _text(value)
    if value is None:
        return None
    match = _MIB.match(value)
    return int(match.group(1)) if match else None


def parse_query_csv(text):
    """Parse ``nvidia-smi --query-gpu=<QUERY_FIELDS> --format=csv,noheader,nounits``.

    Returns (gpus, problems). nvidia-smi does not quote fields, so a line with more than eight fields is read as a
    name that contains commas (the fields around the name have fixed meanings); a line with fewer is reported.
    """
    gpus = []
    problems = []
    count = len(QUERY_FIELDS)
    for row in csv.reader(io.StringIO(text), skipinitialspace=True):
        if not row or not ''.join(row).strip():
            continue
        if len(row) < count:
            problems.append('cannot parse nvidia-smi line (expected %d fields): %s' % (count, ', '.join(row)))
            continue
        if len(row) > count:
            row = row[:2] + [', '.join(row[2:len(row) - 5])] + row[len(row) - 5:]
        index, uuid, name, total, used, free, driver, bus_id = row
        gpus.append({
            'index': _int(index),
            'uuid': _text(uuid),
            'name': _text(name),
            'vendor': 'nvidia',
            'memory_total_mib': _int(total),
            'memory_used_mib': _int(used),
            'memory_free_mib': _int(free),
            'driver_version': _text(driver),
            'pci_bus_id': _text(bus_id),
        })
    return gpus, problems


def parse_cuda_version(text):
    """The CUDA version from ``nvidia-smi`` (header "CUDA Version: 12.4") or ``nvidia-smi --version``."""
    match = _CUDA.search(text or '')
    return match.group(1) if match else None


def parse_driver_version(text):
    """The driver version from ``nvidia-smi --version`` ("DRIVER version : 550.54.15") or the nvidia-smi header."""
    match = _DRIVER.search(text or '')
    return match.group(1) if match else None


def smi_message(stdout, stderr):
    """nvidia-smi's own error text, on one line (it prints the driver error on stdout)."""
    lines = [line.strip() for line in ((stdout or '') + '\n' + (stderr or '')).splitlines() if line.strip()]
    return ' '.join(lines)[:500]


def gather(run, sysfs_pci_path=DEFAULT_SYSFS_PCI_PATH, nvidia_smi=None, nvidia_smi_problem=None):
    """Everything gpu_info returns, except ``changed``.

    ``run(argv)`` runs a command and returns (rc, stdout, stderr). ``nvidia_smi`` is the resolved path to
    nvidia-smi or None; ``nvidia_smi_problem`` says why an explicitly requested one is unusable.
    """
    problems = []
    pci_devices, pci_problems = read_pci_devices(sysfs_pci_path)
    problems.extend(pci_problems)
    if nvidia_smi_problem:
        problems.append(nvidia_smi_problem)

    gpus = []
    driver_version = None
    cuda_version = None
    nvidia_pci = [d for d in pci_devices if d['vendor'] == 'nvidia']

    if nvidia_smi:
        rc, out, err = run([nvidia_smi] + QUERY_ARGS)
        if rc != 0:
            problems.append('%s failed (rc %s): %s' % (nvidia_smi, rc, smi_message(out, err) or 'no output'))
        else:
            gpus, parse_problems = parse_query_csv(out)
            problems.extend(parse_problems)
            rc, out, err = run([nvidia_smi, '--version'])
            version_text = out if rc == 0 else ''
            cuda_version = parse_cuda_version(version_text)
            driver_version = parse_driver_version(version_text)
            if cuda_version is None:
                rc, out, err = run([nvidia_smi])
                if rc == 0:
                    cuda_version = parse_cuda_version(out)
                    driver_version = driver_version or parse_driver_version(out)
            driver_version = next((g['driver_version'] for g in gpus if g['driver_version']), driver_version)
    elif nvidia_pci:
        problems.append(
            'NVIDIA GPU on the PCI bus (%s) but nvidia-smi was not found: the NVIDIA driver is not installed '
            '(install it, e.g. with the nvidia.nvidia_driver role)' % ', '.join(d['address'] for d in nvidia_pci))

    if gpus and len(nvidia_pci) > len(gpus):
        problems.append(
            '%d NVIDIA GPU(s) on the PCI bus but nvidia-smi lists %d (a GPU may have fallen off the bus or be bound '
            'to another driver; expected inside a container given only some GPUs)' % (len(nvidia_pci), len(gpus)))

    memory = [g['memory_total_mib'] for g in gpus if g['memory_total_mib'] is not None]
    return {
        'pci_devices': pci_devices,
        'nvidia_present': bool(nvidia_pci) or bool(gpus),
        'amd_present': any(d['vendor'] == 'amd' for d in pci_devices),
        'nvidia_smi': nvidia_smi,
        'driver_version': driver_version,
        'cuda_version': cuda_version,
        'gpus': gpus,
        'vram_total_mib': sum(memory),
        'vram_max_mib': max(memory) if memory else 0,
        'gpu_warnings': problems,
    }
