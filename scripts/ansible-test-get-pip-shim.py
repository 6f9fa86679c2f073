# Copyright (c) localllm maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Offline stand-in for ansible-test's pip bootstrap script (get-pip 24.2).

ansible-test bootstraps pip into each sanity test venv by running
``~/.ansible/test/cache/get_pip_24_2.py`` and downloads that file from
ci-files.testing.ansible.com when it is missing. That host is unreachable here,
so ``make ansible-test-shim`` installs this file there and puts a pip 24.2 wheel
downloaded from PyPI next to it, in ``~/.ansible/test/cache/pip-24.2-wheel/``.
Shim and wheel thus live together, independent of any checkout.

Like the real get-pip.py it installs pip and the packages named on the command
line; ``--no-setuptools`` and ``--no-wheel`` only mean "don't add them", which
is already the case here.
"""

from __future__ import annotations

import glob
import os
import sys

PIP_VERSION = "24.2"
DROPPED_ARGS = frozenset(("--no-setuptools", "--no-wheel"))


def find_wheel(wheel_dir):
    """Return the path of the pip wheel in wheel_dir or exit with a message."""
    wheels = sorted(glob.glob(os.path.join(wheel_dir, "pip-%s-*.whl" % PIP_VERSION)))
    if not wheels:
        sys.stderr.write(
            "get-pip shim: no pip-%s wheel in %r; run `make ansible-test-shim` in the collection\n" % (PIP_VERSION, wheel_dir)
        )
        sys.exit(1)
    return wheels[-1]


def main():
    """Install pip (and the requested packages) from the local pip wheel."""
    wheel_dir = os.path.join(os.path.dirname(os.path.abspath(__file__)), "pip-%s-wheel" % PIP_VERSION)
    wheel = find_wheel(wheel_dir)
    sys.path.insert(0, wheel)

    from pip._internal.cli.main import main as pip_main  # pylint: disable=import-outside-toplevel

    args = [arg for arg in sys.argv[1:] if arg not in DROPPED_ARGS]
    if not any(arg.startswith("pip==") or arg == "pip" for arg in args):
        args.append("pip==%s" % PIP_VERSION)
    sys.exit(pip_main(["install", "--upgrade", "--force-reinstall", "--find-links", wheel_dir] + args))


if __name__ == "__main__":
    main()
