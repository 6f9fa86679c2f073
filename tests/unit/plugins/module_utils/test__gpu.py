# -*- coding: utf-8 -*-
# Copyright (c) 2026, localllm maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""GPU parsing and detection (plugins/module_utils/_gpu.py) against hand-written nvidia-smi fixtures and fake sysfs."""

from __future__ import annotations

import pytest

from ansible_collections.localllm.ollama.plugins.module_utils import _gpu
from gpu_test_helpers import H100_BOX, RTX_BOX, fixture, make_sysfs

NO_DRIVER = fixture('smi-no-driver.txt')


class FakeRun(object):
    """run(argv) for gather(): answers by the first argument after the nvidia-smi path, records every call."""

    def __init__(self, **answers):
        self.answers = answers
        self.calls = []

    def __call__(self, argv):
        self.calls.append(argv)
        arg = argv[1] if len(argv) > 1 else ''
        key = 'query' if arg.startswith('--query-gpu=') else {'--version': 'version', '': 'plain'}[arg]
        return self.answers.get(key, (2, '', 'unexpected call %s' % argv))


def test_parse_h100():
    gpus, problems = _gpu.parse_query_csv(fixture('h100-query.csv'))
    assert problems == []
    assert gpus == [{
        'index': 0, 'uuid': 'GPU-5d5b6d3f-6a2c-4d8e-9f61-1c2b3a4d5e6f', 'name': 'NVIDIA H100 80GB HBM3',
        'vendor': 'nvidia', 'memory_total_mib': 81559, 'memory_used_mib': 0, 'memory_free_mib': 81007,
        'driver_version': '550.54.15', 'pci_bus_id': '00000000:19:00.0',
    }]


def test_parse_two_rtx_4090():
    gpus, problems = _gpu.parse_query_csv(fixture('rtx4090x2-query.csv'))
    assert problems == []
    assert [g['index'] for g in gpus] == [0, 1]
    assert [g['name'] for g in gpus] == ['NVIDIA GeForce RTX 4090'] * 2
    assert [g['memory_total_mib'] for g in gpus] == [24564, 24564]
    assert [g['memory_used_mib'] for g in gpus] == [1187, 18]
    assert gpus[1]['pci_bus_id'] == '00000000:41:00.0'


@pytest.mark.parametrize('placeholder', ['[N/A]', '[Not Supported]', 'N/A', '[Unknown Error]', '[GPU is lost]', ''])
def test_placeholders_become_none(placeholder):
    line = '0, GPU-x, Grace Hopper, 97871, %s, %s, 555.42.02, %s\n' % (placeholder, placeholder, placeholder)
    gpus, problems = _gpu.parse_query_csv(line)
    assert problems == []
    assert gpus[0]['memory_total_mib'] == 97871
    assert gpus[0]['memory_used_mib'] is None and gpus[0]['memory_free_mib'] is None
    assert gpus[0]['pci_bus_id'] is None


def test_units_and_comma_in_name_and_bad_lines():
    text = '\n'.join([
        '0, GPU-a, NVIDIA A100-SXM4-40GB, 40960 MiB, 4 MiB, 40337 MiB, 535.183.01, 00000000:07:00.0',
        '1, GPU-b, Vendor X, Model Y, 16384, 0, 16000, 535.183.01, 00000000:08:00.0',
        '"2", "GPU-c", "Quoted, Name", "8192", "1", "8000", "535.183.01", "00000000:09:00.0"',
        'garbage line',
        '',
        '3, GPU-d, Odd, lots, 0, 0, 535.183.01, 00000000:0a:00.0',
    ])
    gpus, problems = _gpu.parse_query_csv(text)
    assert [g['memory_total_mib'] for g in gpus] == [40960, 16384, 8192, None]
    assert gpus[1]['name'] == 'Vendor X, Model Y' and gpus[1]['driver_version'] == '535.183.01'
    assert gpus[2]['name'] == 'Quoted, Name' and gpus[2]['index'] == 2
    assert problems == ['cannot parse nvidia-smi line (expected 8 fields): garbage line']


def test_cuda_and_driver_versions():
    assert _gpu.parse_cuda_version(fixture('h100-smi.txt')) == '12.4'
    assert _gpu.parse_cuda_version(fixture('h100-version.txt')) == '12.4'
    assert _gpu.parse_cuda_version(fixture('rtx4090x2-smi.txt')) == '12.6'
    assert _gpu.parse_driver_version(fixture('h100-version.txt')) == '550.54.15'
    assert _gpu.parse_driver_version(fixture('rtx4090x2-smi.txt')) == '560.35.03'
    assert _gpu.parse_cuda_version(NO_DRIVER) is None and _gpu.parse_cuda_version(None) is None
    assert _gpu.parse_driver_version('') is None


def test_vendor_and_class():
    assert _gpu.vendor_name('0x10de') == 'nvidia' and _gpu.vendor_name('0x1002\n') == 'amd'
    assert _gpu.vendor_name('0x8086') == 'intel' and _gpu.vendor_name('0x1a03') == 'other'
    assert _gpu.is_gpu_class('0x10de', '0x030200') and _gpu.is_gpu_class('0x1a03', '0x030000')
    assert _gpu.is_gpu_class('0x1002', '0x120000') and not _gpu.is_gpu_class('0x8086', '0x120000')
    assert not _gpu.is_gpu_class('0x10de', '0x040300') and not _gpu.is_gpu_class('0x10de', '0x068000')


def test_read_pci_devices_h100(tmp_path):
    devices, problems = _gpu.read_pci_devices(make_sysfs(tmp_path, H100_BOX))
    assert problems == []
    assert devices == [
        {'address': '0000:02:00.0', 'vendor': 'other', 'vendor_id': '0x1a03', 'device_id': '0x2000',
         'class': '0x030000', 'driver': 'ast'},
        {'address': '0000:19:00.0', 'vendor': 'nvidia', 'vendor_id': '0x10de', 'device_id': '0x2330',
         'class': '0x030200', 'driver': 'nvidia'},
    ]


def test_read_pci_devices_skips_audio_unreadable_and_unbound(tmp_path):
    root = make_sysfs(tmp_path, RTX_BOX + [
        ('0000:c1:00.0', '0x1002', '0x74a1', '0x120000', None),   # AMD Instinct, no driver bound
        ('0000:c2:00.0', '0x8086', '0x0b25', '0x120000', 'idxd'),  # Intel accelerator: not a GPU
    ])
    (tmp_path / 'devices' / '0000:ff:00.0').mkdir()  # no vendor/class files
    devices, problems = _gpu.read_pci_devices(root)
    assert problems == []
    assert [(d['address'], d['vendor'], d['driver']) for d in devices] == [
        ('0000:00:02.0', 'intel', 'i915'), ('0000:01:00.0', 'nvidia', 'nvidia'),
        ('0000:41:00.0', 'nvidia', 'nvidia'), ('0000:c1:00.0', 'amd', None)]


def test_read_pci_devices_missing_root(tmp_path):
    devices, problems = _gpu.read_pci_devices(str(tmp_path / 'nope'))
    assert devices == [] and len(problems) == 1 and 'cannot list PCI devices' in problems[0]


def test_gather_h100(tmp_path):
    run = FakeRun(query=(0, fixture('h100-query.csv'), ''), version=(0, fixture('h100-version.txt'), ''))
    result = _gpu.gather(run, make_sysfs(tmp_path, H100_BOX), '/usr/bin/nvidia-smi')
    assert result['nvidia_present'] is True and result['amd_present'] is False
    assert result['nvidia_smi'] == '/usr/bin/nvidia-smi'
    assert result['driver_version'] == '550.54.15' and result['cuda_version'] == '12.4'
    assert result['vram_total_mib'] == 81559 and result['vram_max_mib'] == 81559
    assert len(result['gpus']) == 1 and len(result['pci_devices']) == 2
    assert result['gpu_warnings'] == []
    assert run.calls == [['/usr/bin/nvidia-smi'] + _gpu.QUERY_ARGS, ['/usr/bin/nvidia-smi', '--version']]
    assert _gpu.QUERY_ARGS == [
        '--query-gpu=index,uuid,name,memory.total,memory.used,memory.free,driver_version,pci.bus_id',
        '--format=csv,noheader,nounits']
    assert sorted(result) == ['amd_present', 'cuda_version', 'driver_version', 'gpu_warnings', 'gpus',
                              'nvidia_present', 'nvidia_smi', 'pci_devices', 'vram_max_mib', 'vram_total_mib']


def test_gather_rtx_falls_back_to_the_header_for_cuda(tmp_path):
    run = FakeRun(query=(0, fixture('rtx4090x2-query.csv'), ''),
                  version=(2, 'Invalid combination of input arguments.', ''),
                  plain=(0, fixture('rtx4090x2-smi.txt'), ''))
    result = _gpu.gather(run, make_sysfs(tmp_path, RTX_BOX), '/usr/bin/nvidia-smi')
    assert result['cuda_version'] == '12.6' and result['driver_version'] == '560.35.03'
    assert result['vram_total_mib'] == 2 * 24564 and result['vram_max_mib'] == 24564
    assert result['gpu_warnings'] == []
    assert [c[1:] for c in run.calls] == [_gpu.QUERY_ARGS, ['--version'], []]


def test_gather_gpu_without_driver(tmp_path):
    run = FakeRun()
    result = _gpu.gather(run, make_sysfs(tmp_path, H100_BOX), None)
    assert run.calls == []
    assert result['nvidia_present'] is True and result['gpus'] == [] and result['driver_version'] is None
    assert result['vram_total_mib'] == 0 and result['vram_max_mib'] == 0
    assert len(result['gpu_warnings']) == 1
    assert '0000:19:00.0' in result['gpu_warnings'][0] and 'nvidia.nvidia_driver' in result['gpu_warnings'][0]


def test_gather_smi_fails_quotes_its_message(tmp_path):
    run = FakeRun(query=(9, NO_DRIVER, ''))
    result = _gpu.gather(run, make_sysfs(tmp_path, H100_BOX), '/usr/bin/nvidia-smi')
    assert result['gpus'] == [] and result['driver_version'] is None and result['cuda_version'] is None
    assert result['nvidia_present'] is True
    assert len(run.calls) == 1
    assert result['gpu_warnings'] == [
        "/usr/bin/nvidia-smi failed (rc 9): NVIDIA-SMI has failed because it couldn't communicate with the NVIDIA "
        "driver. Make sure that the latest NVIDIA driver is installed and running."]


def test_gather_fewer_gpus_than_on_pci_and_explicit_path_problem(tmp_path):
    run = FakeRun(query=(0, fixture('rtx4090x2-query.csv').splitlines()[0] + '\n', ''),
                  version=(0, fixture('h100-version.txt'), ''))
    result = _gpu.gather(run, make_sysfs(tmp_path, RTX_BOX), '/usr/bin/nvidia-smi', 'nvidia_smi_path /x is missing')
    assert result['gpu_warnings'][0] == 'nvidia_smi_path /x is missing'
    assert '2 NVIDIA GPU(s) on the PCI bus but nvidia-smi lists 1' in result['gpu_warnings'][1]
    # the driver version of the GPUs wins over the --version text
    assert result['driver_version'] == '560.35.03'


def test_gather_no_gpu_host(tmp_path):
    run = FakeRun()
    result = _gpu.gather(run, make_sysfs(tmp_path, [('0000:00:01.0', '0x1af4', '0x1000', '0x020000', None)]))
    assert result == {
        'pci_devices': [], 'nvidia_present': False, 'amd_present': False, 'nvidia_smi': None,
        'driver_version': None, 'cuda_version': None, 'gpus': [], 'vram_total_mib': 0, 'vram_max_mib': 0,
        'gpu_warnings': []}
    assert run.calls == []


def test_gather_amd_only(tmp_path):
    result = _gpu.gather(FakeRun(), make_sysfs(tmp_path, [('0000:03:00.0', '0x1002', '0x744c', '0x030000', 'amdgpu')]))
    assert result['amd_present'] is True and result['nvidia_present'] is False and result['gpu_warnings'] == []
