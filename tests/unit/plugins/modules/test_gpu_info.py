# -*- coding: utf-8 -*-
# Copyright (c) 2026, localllm maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""localllm.ollama.gpu_info end to end: a fake sysfs tree and a fake nvidia-smi script (no GPU was available)."""

from __future__ import annotations

from unittest import mock

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.localllm.ollama.plugins.modules import gpu_info
from gpu_test_helpers import H100_BOX, RTX_BOX, calls, fixture, make_nvidia_smi, make_sysfs
from ollama_test_helpers import run_module


def _run(args, check_mode=False):
    """run_module, also collecting what the module passed to warn()."""
    warned = []
    with mock.patch.object(AnsibleModule, 'warn', side_effect=warned.append):
        failed, result = run_module(gpu_info, args, check_mode=check_mode)
    return failed, result, warned


def test_h100_explicit_path_in_check_mode(tmp_path):
    bin_dir = tmp_path / 'bin'
    bin_dir.mkdir()
    smi = make_nvidia_smi(bin_dir, query=fixture('h100-query.csv'), version=fixture('h100-version.txt'))
    failed, res, warned = _run({'sysfs_pci_path': make_sysfs(tmp_path, H100_BOX), 'nvidia_smi_path': smi},
                               check_mode=True)
    assert not failed, res
    assert res['changed'] is False and warned == []
    assert res['nvidia_smi'] == smi
    assert res['gpus'][0]['name'] == 'NVIDIA H100 80GB HBM3' and res['gpus'][0]['memory_total_mib'] == 81559
    assert (res['driver_version'], res['cuda_version']) == ('550.54.15', '12.4')
    assert (res['vram_total_mib'], res['vram_max_mib']) == (81559, 81559)
    assert calls(bin_dir) == [
        '--query-gpu=index,uuid,name,memory.total,memory.used,memory.free,driver_version,pci.bus_id '
        '--format=csv,noheader,nounits',
        '--version']


def test_rtx_found_on_path(tmp_path, monkeypatch):
    bin_dir = tmp_path / 'bin'
    bin_dir.mkdir()
    make_nvidia_smi(bin_dir, query=fixture('rtx4090x2-query.csv'), version='', version_rc=2,
                    plain=fixture('rtx4090x2-smi.txt'))
    monkeypatch.setenv('PATH', str(bin_dir) + ':/bin')
    failed, res, warned = _run({'sysfs_pci_path': make_sysfs(tmp_path, RTX_BOX)})
    assert not failed, res
    assert res['nvidia_smi'] == str(bin_dir / 'nvidia-smi')
    assert [g['index'] for g in res['gpus']] == [0, 1]
    assert (res['vram_total_mib'], res['vram_max_mib'], res['cuda_version']) == (49128, 24564, '12.6')
    assert [d['vendor'] for d in res['pci_devices']] == ['intel', 'nvidia', 'nvidia']
    assert warned == [] and res['gpu_warnings'] == []


def test_driver_not_loaded_warns_with_nvidia_smi_message(tmp_path):
    bin_dir = tmp_path / 'bin'
    bin_dir.mkdir()
    smi = make_nvidia_smi(bin_dir, query=fixture('smi-no-driver.txt'), query_rc=9)
    failed, res, warned = _run({'sysfs_pci_path': make_sysfs(tmp_path, H100_BOX), 'nvidia_smi_path': smi})
    assert not failed
    assert res['nvidia_present'] is True and res['gpus'] == [] and res['driver_version'] is None
    assert len(res['gpu_warnings']) == 1
    assert "couldn't communicate with the NVIDIA driver" in res['gpu_warnings'][0]
    assert warned == res['gpu_warnings']


def test_missing_explicit_path_and_no_smi(tmp_path, monkeypatch):
    monkeypatch.setenv('PATH', str(tmp_path))
    failed, res, warned = _run({'sysfs_pci_path': make_sysfs(tmp_path, H100_BOX),
                                'nvidia_smi_path': str(tmp_path / 'nvidia-smi')})
    assert not failed
    assert res['nvidia_smi'] is None
    assert res['gpu_warnings'][0] == 'nvidia_smi_path %s does not exist or is not executable' % (tmp_path / 'nvidia-smi')
    assert 'nvidia.nvidia_driver' in res['gpu_warnings'][1]
    assert warned == res['gpu_warnings']


def test_no_gpu_host(tmp_path, monkeypatch):
    monkeypatch.setenv('PATH', str(tmp_path))
    with mock.patch.object(AnsibleModule, 'get_bin_path', return_value=None) as get_bin_path:
        failed, res, warned = _run({'sysfs_pci_path': make_sysfs(tmp_path, [])})
    get_bin_path.assert_called_once_with('nvidia-smi', opt_dirs=['/usr/bin'])
    assert not failed and warned == []
    assert res['nvidia_present'] is False and res['pci_devices'] == [] and res['gpus'] == []


def test_unexpected_error_fails(tmp_path):
    with mock.patch.object(gpu_info, 'gather', side_effect=RuntimeError('boom')):
        failed, res, warned = _run({'sysfs_pci_path': str(tmp_path)})
    assert failed and res['msg'] == 'unexpected error: boom' and 'exception' in res
