#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) 2026, localllm maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
module: gpu_info
short_description: Report the GPUs of a host from the PCI bus and nvidia-smi
version_added: 0.1.0
author: localllm maintainers (@localllm)
description:
  - Lists the display-class PCI devices (class C(0x03xxxx)) and NVIDIA/AMD processing accelerators (class
    C(0x1200xx)) from sysfs, by PCI vendor id (C(0x10de) NVIDIA, C(0x1002) AMD, C(0x8086) Intel). Needs neither
    C(lspci) nor C(lshw).
  - When C(nvidia-smi) is installed, reads every NVIDIA GPU (index, UUID, name, total/used/free memory, driver
    version, PCI bus id) with C(nvidia-smi --query-gpu=... --format=csv,noheader,nounits), and the CUDA version the
    driver supports from C(nvidia-smi --version) or, on drivers without that option, from the C(nvidia-smi) header.
  - A GPU on the PCI bus without a working C(nvidia-smi) (no driver, or nvidia-smi failing) is not an error; it is
    reported in RV(gpu_warnings), quoting nvidia-smi's own message, and shown as a warning.
  - Never changes anything; runs on the target host. The role C(localllm.ollama.nvidia_container_toolkit) uses it
    to decide where to install the NVIDIA Container Toolkit.
  - AMD GPUs are detected on the PCI bus only; their memory is not read (C(rocm-smi) is not used).
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
attributes:
  check_mode:
    support: full
  diff_mode:
    support: none
  idempotent:
    description: Running the module again changes nothing.
    support: full
  platform:
    platforms: posix
options:
  sysfs_pci_path:
    description:
      - Directory of PCI devices as Linux's sysfs lays it out (one directory per device with C(vendor), C(device),
        C(class) files and a C(driver) link).
      - Only for tests and unusual roots (a chroot or a copied tree); leave the default on real hosts.
    type: path
    default: /sys/bus/pci/devices
  nvidia_smi_path:
    description:
      - Path of C(nvidia-smi). By default it is searched on E(PATH) and in C(/usr/bin).
      - A path that does not exist or is not executable is reported in RV(gpu_warnings); the module does not fail.
    type: path
notes:
  - RV(cuda_version) is the newest CUDA version the installed driver supports, not an installed CUDA toolkit.
  - Multi-Instance GPU (MIG) partitions are not listed separately; a GPU in MIG mode is reported once.
seealso:
  - module: localllm.ollama.ollama_info
"""

EXAMPLES = r"""
- name: Read the GPUs
  localllm.ollama.gpu_info:
  register: gpu

- name: Show what was found
  ansible.builtin.debug:
    msg: >-
      {{ gpu.gpus | length }} NVIDIA GPU(s), {{ gpu.vram_total_mib }} MiB VRAM in total,
      largest {{ gpu.vram_max_mib }} MiB, driver {{ gpu.driver_version }}, CUDA {{ gpu.cuda_version }}

- name: Stop when an NVIDIA GPU has no working driver
  ansible.builtin.assert:
    that: not gpu.nvidia_present or gpu.driver_version is not none
    fail_msg: "{{ gpu.gpu_warnings | join('; ') }}"
"""

RETURN = r"""
pci_devices:
  description:
    - Display-class PCI devices (class C(0x03xxxx)) and NVIDIA/AMD processing accelerators (C(0x1200xx)), sorted by
      address. Audio functions of graphics cards, NICs and NVSwitches are not listed.
  returned: always
  type: list
  elements: dict
  contains:
    address:
      description: PCI address as sysfs names it.
      type: str
      sample: "0000:19:00.0"
    vendor:
      description: C(nvidia), C(amd), C(intel) or C(other) (for example a server's ASPEED BMC graphics).
      type: str
      sample: nvidia
    vendor_id:
      description: PCI vendor id.
      type: str
      sample: "0x10de"
    device_id:
      description: PCI device id (null when unreadable).
      type: str
      sample: "0x2330"
    class:
      description: PCI class code.
      type: str
      sample: "0x030200"
    driver:
      description: Kernel driver bound to the device (C(nvidia), C(nouveau), C(vfio-pci), C(amdgpu) ...), or null.
      type: str
      sample: nvidia
  sample: [{"address": "0000:19:00.0", "vendor": "nvidia", "vendor_id": "0x10de", "device_id": "0x2330",
            "class": "0x030200", "driver": "nvidia"}]
nvidia_present:
  description: An NVIDIA GPU is on the PCI bus (or nvidia-smi lists one), whether or not a driver is installed.
  returned: always
  type: bool
  sample: true
amd_present:
  description: An AMD GPU or accelerator is on the PCI bus (integrated Radeon graphics included).
  returned: always
  type: bool
  sample: false
nvidia_smi:
  description: Path of the nvidia-smi that was used, or null when none was found.
  returned: always
  type: str
  sample: /usr/bin/nvidia-smi
driver_version:
  description: NVIDIA driver version, or null without a working nvidia-smi.
  returned: always
  type: str
  sample: 550.54.15
cuda_version:
  description: Newest CUDA version the driver supports, or null.
  returned: always
  type: str
  sample: "12.4"
gpus:
  description:
    - NVIDIA GPUs as nvidia-smi lists them, by index. Empty without a working nvidia-smi.
    - A value nvidia-smi reports as C([N/A]) or C([Not Supported]) is null.
  returned: always
  type: list
  elements: dict
  contains:
    index:
      description: nvidia-smi's GPU index.
      type: int
      sample: 0
    uuid:
      description: GPU UUID (what C(CUDA_VISIBLE_DEVICES) and C(NVIDIA_VISIBLE_DEVICES) accept).
      type: str
      sample: GPU-5d5b6d3f-6a2c-4d8e-9f61-1c2b3a4d5e6f
    name:
      description: Product name.
      type: str
      sample: NVIDIA H100 80GB HBM3
    vendor:
      description: Always C(nvidia).
      type: str
      sample: nvidia
    memory_total_mib:
      description: Total memory in MiB.
      type: int
      sample: 81559
    memory_used_mib:
      description: Memory in use in MiB.
      type: int
      sample: 0
    memory_free_mib:
      description: Free memory in MiB (total minus used minus the driver's reservation).
      type: int
      sample: 81007
    driver_version:
      description: Driver version.
      type: str
      sample: 550.54.15
    pci_bus_id:
      description: PCI bus id as nvidia-smi prints it (8-digit domain).
      type: str
      sample: "00000000:19:00.0"
  sample: [{"index": 0, "uuid": "GPU-5d5b6d3f-6a2c-4d8e-9f61-1c2b3a4d5e6f", "name": "NVIDIA H100 80GB HBM3",
            "vendor": "nvidia", "memory_total_mib": 81559, "memory_used_mib": 0, "memory_free_mib": 81007,
            "driver_version": "550.54.15", "pci_bus_id": "00000000:19:00.0"}]
vram_total_mib:
  description: Sum of RV(gpus[].memory_total_mib); 0 without GPUs.
  returned: always
  type: int
  sample: 81559
vram_max_mib:
  description: Largest RV(gpus[].memory_total_mib) of a single GPU; 0 without GPUs.
  returned: always
  type: int
  sample: 81559
gpu_warnings:
  description:
    - Problems found, one sentence each, for example an NVIDIA GPU on the PCI bus without nvidia-smi, or nvidia-smi
      failing with its own message (C(NVIDIA-SMI has failed because it couldn't communicate with the NVIDIA driver ...)).
    - Named C(gpu_warnings) because Ansible reserves a result key C(warnings); each entry is also shown as a warning.
  returned: always
  type: list
  elements: str
  sample: []
"""

import os
import traceback

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.localllm.ollama.plugins.module_utils._gpu import DEFAULT_SYSFS_PCI_PATH, gather


def find_nvidia_smi(module):
    """(path or None, problem or None)."""
    path = module.params['nvidia_smi_path']
    if path:
        if os.path.isfile(path) and os.access(path, os.X_OK):
            return path, None
        return None, 'nvidia_smi_path %s does not exist or is not executable' % path
    return module.get_bin_path('nvidia-smi', opt_dirs=['/usr/bin']), None


def main():
    module = AnsibleModule(
        argument_spec=dict(
            sysfs_pci_path=dict(type='path', default=DEFAULT_SYSFS_PCI_PATH),
            nvidia_smi_path=dict(type='path'),
        ),
        supports_check_mode=True,
    )

    def run(argv):
        # nvidia-smi localises nothing today, but keep its output parseable whatever the host's locale is
        return module.run_command(argv, environ_update={'LC_ALL': 'C', 'LANG': 'C'})

    try:
        nvidia_smi, problem = find_nvidia_smi(module)
        result = gather(run, module.params['sysfs_pci_path'], nvidia_smi, problem)
    except Exception as e:  # pylint: disable=broad-except
        module.fail_json(msg='unexpected error: %s' % e, exception=traceback.format_exc())
    else:
        for warning in result['gpu_warnings']:
            module.warn(warning)
        module.exit_json(changed=False, **result)


if __name__ == '__main__':
    main()
