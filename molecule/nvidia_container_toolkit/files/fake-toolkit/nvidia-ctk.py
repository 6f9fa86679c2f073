# Copyright (c) 2026, localllm maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""TEST DOUBLE of NVIDIA's nvidia-ctk for the molecule scenario `nvidia_container_toolkit` (see ../README.md). Not NVIDIA software.

build-fake-repo.sh installs it as /usr/bin/nvidia-ctk (adding the interpreter line and the package version).
Implements the subcommands localllm.ollama.nvidia_container_toolkit calls, with the same arguments and file effects:
  nvidia-ctk runtime configure --runtime=docker|containerd [--config=FILE]
  nvidia-ctk cdi generate --output=FILE
  nvidia-ctk --version
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys

VERSION = '@VERSION@'
DEFAULT_CONFIG = {'docker': '/etc/docker/daemon.json', 'containerd': '/etc/containerd/config.toml'}
CONTAINERD_SECTION = '[plugins."io.containerd.grpc.v1.cri".containerd.runtimes.nvidia]'
# Only the leaf tables: TOML creates the parents implicitly and allows them after an explicit [plugins...] table.
CONTAINERD_RUNTIME = '\n'.join([
    '',
    CONTAINERD_SECTION,
    '  privileged_without_host_devices = false',
    '  runtime_engine = ""',
    '  runtime_root = ""',
    '  runtime_type = "io.containerd.runc.v2"',
    '',
    '[plugins."io.containerd.grpc.v1.cri".containerd.runtimes.nvidia.options]',
    '  BinaryName = "/usr/bin/nvidia-container-runtime"',
    '',
])


def info(message):
    sys.stderr.write('INFO[0000] %s\n' % message)


def read(path):
    if not os.path.exists(path):
        info('Config file does not exist; using empty config')
        return ''
    with open(path, encoding='utf-8') as stream:
        return stream.read()


def write(path, text):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, 'w', encoding='utf-8') as stream:
        stream.write(text)
    info('Wrote updated config to %s' % path)


def configure(runtime, path):
    text = read(path)
    if runtime == 'docker':
        config = json.loads(text) if text.strip() else {}
        config.setdefault('runtimes', {})['nvidia'] = {'args': [], 'path': 'nvidia-container-runtime'}
        write(path, json.dumps(config, indent=4) + '\n')
    else:
        if CONTAINERD_SECTION not in text:
            text = (text if text.strip() else 'version = 2\n') + CONTAINERD_RUNTIME
        write(path, text)
    info('It is recommended that %s daemon be restarted.' % runtime)
    return 0


def cdi_generate(output):
    try:
        out = subprocess.run(['nvidia-smi', '--query-gpu=index,uuid', '--format=csv,noheader'],
                             check=True, capture_output=True, text=True).stdout
    except (OSError, subprocess.CalledProcessError):
        sys.stderr.write('ERRO[0000] failed to generate CDI spec: failed to create device CDI specs: '
                         'failed to initialize NVML: ERROR_LIBRARY_NOT_FOUND\n')
        return 1
    lines = ['---', 'cdiVersion: 0.5.0', 'kind: nvidia.com/gpu', 'devices:']
    nodes = []
    for row in out.strip().splitlines():
        index, uuid = [field.strip() for field in row.split(',')]
        node = '/dev/nvidia%s' % index
        nodes.append(node)
        for name in (index, uuid):
            lines += ['- name: "%s"' % name, '  containerEdits:', '    deviceNodes:', '    - path: %s' % node]
    lines += ['- name: all', '  containerEdits:', '    deviceNodes:'] + ['    - path: %s' % n for n in nodes]
    lines += ['containerEdits:', '  deviceNodes:', '  - path: /dev/nvidiactl', '  - path: /dev/nvidia-uvm', '']
    write(output, '\n'.join(lines))
    return 0


def main():
    parser = argparse.ArgumentParser(prog='nvidia-ctk', description='TEST DOUBLE of nvidia-ctk')
    parser.add_argument('--version', action='store_true')
    sub = parser.add_subparsers(dest='command')
    runtime = sub.add_parser('runtime').add_subparsers(dest='action')
    conf = runtime.add_parser('configure')
    conf.add_argument('--runtime', required=True, choices=sorted(DEFAULT_CONFIG))
    conf.add_argument('--config')
    cdi = sub.add_parser('cdi').add_subparsers(dest='action')
    gen = cdi.add_parser('generate')
    gen.add_argument('--output', default='/dev/stdout')
    args = parser.parse_args()
    if args.version:
        print('NVIDIA Container Toolkit CLI version %s (test double)' % VERSION)
        return 0
    if args.command == 'runtime' and args.action == 'configure':
        return configure(args.runtime, args.config or DEFAULT_CONFIG[args.runtime])
    if args.command == 'cdi' and args.action == 'generate':
        return cdi_generate(args.output)
    parser.print_usage(sys.stderr)
    return 2


if __name__ == '__main__':
    sys.exit(main())
