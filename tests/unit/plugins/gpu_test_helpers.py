# Copyright (c) 2026, localllm maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Helpers for the GPU unit tests: a fake sysfs PCI tree and a fake nvidia-smi built in tmp_path.

The nvidia-smi outputs come from tests/unit/fixtures/gpu/ (hand-written from NVIDIA's documented formats, see the
README there); no real GPU was used.
"""

from __future__ import annotations

import os
import shlex
import stat

FIXTURES = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), 'fixtures', 'gpu')

# (address, vendor, device, class, driver) of real-world device kinds
H100_BOX = [
    ('0000:02:00.0', '0x1a03', '0x2000', '0x030000', 'ast'),         # ASPEED BMC VGA
    ('0000:18:00.0', '0x15b3', '0x1021', '0x020000', 'mlx5_core'),   # ConnectX-7 NIC: not listed
    ('0000:19:00.0', '0x10de', '0x2330', '0x030200', 'nvidia'),      # H100 SXM5 80GB, 3D controller
]
RTX_BOX = [
    ('0000:00:02.0', '0x8086', '0xa780', '0x030000', 'i915'),        # Intel UHD 770 (iGPU)
    ('0000:01:00.0', '0x10de', '0x2684', '0x030000', 'nvidia'),      # RTX 4090, VGA
    ('0000:01:00.1', '0x10de', '0x22ba', '0x040300', 'snd_hda_intel'),  # its HDMI audio: not listed
    ('0000:41:00.0', '0x10de', '0x2684', '0x030000', 'nvidia'),
    ('0000:41:00.1', '0x10de', '0x22ba', '0x040300', 'snd_hda_intel'),
]


def fixture(name):
    with open(os.path.join(FIXTURES, name), encoding='utf-8') as stream:
        return stream.read()


def make_sysfs(root, devices):
    """A /sys/bus/pci/devices-like tree under root/devices; drivers are links to root/drivers/<name>."""
    pci = root / 'devices'
    pci.mkdir()
    for address, vendor, device, cls, driver in devices:
        path = pci / address
        path.mkdir()
        (path / 'vendor').write_text(vendor + '\n')
        (path / 'device').write_text(device + '\n')
        (path / 'class').write_text(cls + '\n')
        if driver:
            target = root / 'drivers' / driver
            target.mkdir(parents=True, exist_ok=True)
            os.symlink(str(target), str(path / 'driver'))
    return str(pci)


def make_nvidia_smi(directory, query=None, query_rc=0, version=None, version_rc=0, plain=None, plain_rc=0):
    """A shell script named nvidia-smi in directory that answers like the real one from fixture text.

    Every call's arguments are appended to directory/nvidia-smi.calls.
    """
    outputs = {}
    for key, text in (('query', query), ('version', version), ('plain', plain)):
        path = directory / ('nvidia-smi.' + key)
        path.write_text(text or '')
        outputs[key] = shlex.quote(str(path))
    calls = shlex.quote(str(directory / 'nvidia-smi.calls'))
    script = directory / 'nvidia-smi'
    script.write_text('\n'.join([
        '#!/bin/sh',
        'echo "$*" >> %s' % calls,
        'case "$1" in',
        '  --query-gpu=*) cat %s; exit %d ;;' % (outputs['query'], query_rc),
        '  --version) cat %s; exit %d ;;' % (outputs['version'], version_rc),
        '  "") cat %s; exit %d ;;' % (outputs['plain'], plain_rc),
        '  *) echo "Invalid combination of input arguments. Please run \'nvidia-smi -h\' for help."; exit 2 ;;',
        'esac',
        '',
    ]))
    script.chmod(script.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
    return str(script)


def calls(directory):
    path = directory / 'nvidia-smi.calls'
    return path.read_text().splitlines() if path.exists() else []
