# -*- coding: utf-8 -*-
# Copyright (c) 2026, localllm.ollama contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Internal to localllm.ollama.ollama: not a public API, may change in any release.

The role's computations as filters; the logic lives in plugins/plugin_utils/ (one module per concern) and model
names and versions are parsed by plugins/module_utils/_grammar.py, the grammar the modules use too. Bad input raises
an AnsibleFilterError with the role's message.

Releases and archives (_ollama_archive.py):

- ``_ollama_arch``: ``uname -m`` / the architecture fact -> the archive architecture (amd64, arm64).
- ``_ollama_archive_name``: file name of a release archive (version, architecture, optional GPU bundle).
- ``_ollama_archive_plan``: where every archive comes from and how it is verified.
- ``_ollama_expected_checksums``: expected sha256 per archive, from the plan and the fetched sha256sum.txt files.
- ``_ollama_version_errors``: problems with ollama_version.
- ``_ollama_version_parse``: parse ``ollama -v`` (server, client, installed version, reachable; the grammar's).

Service (_ollama_service.py):

- ``_ollama_settings_errors``: every problem with the typed settings (preflight).
- ``_ollama_service_env``: the service environment built from the typed settings.
- ``_ollama_env_split``: split that environment into the drop-in part and the root-only secrets.
- ``_ollama_systemd_env``: ``Environment=`` lines, quoted for systemd.
- ``_ollama_systemd_envfile``: ``KEY="value"`` lines of a systemd EnvironmentFile.
- ``_ollama_systemd_path``: a path escaped for a systemd path list (ReadWritePaths=).
- ``_ollama_managed_dirs``: the real directories the role manages; refuses links the service user could plant.
- ``_ollama_path_parents``: the parent directories of a path.
- ``_ollama_connect_url``: the URL that reaches the server from its own host, for a bind address and port.

Host state (_ollama_host_state.py):

- ``_ollama_host_state``: parse the one read-only look at a host (roles/ollama/files/host-state.sh).
- ``_ollama_account_in_place``: whether the service group and user already match (their tasks would change nothing).

Models (_ollama_models.py, _ollama_vram.py):

- ``_ollama_models_errors``: problems with ollama_models / ollama_custom_models.
- ``_ollama_mirror_checks``: the checks of ollama_model_mirror, one per rule (preflight).
- ``_ollama_models_plan``: the models to apply, with the mirror name each one is pulled as (``source``).
- ``_ollama_keep_models``: the names an exclusive model sync keeps.
- ``_ollama_model_tiers_errors``: problems with ollama_model_tiers.

Container install method (_ollama_container.py):

- ``_ollama_container_errors``: every problem with the container settings (preflight).
- ``_ollama_container_tag``: the image tag for a version (and the ROCm bundle).
- ``_ollama_container_port``: the ``docker run -p`` entry of the API port.
- ``_ollama_container_guard``: the DOCKER-USER rules that filter a published port.
"""

from __future__ import annotations

from ansible_collections.localllm.ollama.plugins.module_utils import _grammar as grammar
from ansible_collections.localllm.ollama.plugins.plugin_utils import _ollama_archive as archive
from ansible_collections.localllm.ollama.plugins.plugin_utils import _ollama_container as container
from ansible_collections.localllm.ollama.plugins.plugin_utils import _ollama_host_state as host_state
from ansible_collections.localllm.ollama.plugins.plugin_utils import _ollama_models as models
from ansible_collections.localllm.ollama.plugins.plugin_utils import _ollama_service as service
from ansible_collections.localllm.ollama.plugins.plugin_utils import _ollama_vram as vram
from ansible_collections.localllm.ollama.plugins.plugin_utils._filters import filter_table

FILTERS = {
    "_ollama_arch": archive.ollama_arch,
    "_ollama_archive_name": archive.archive_name,
    "_ollama_archive_plan": archive.archive_plan,
    "_ollama_expected_checksums": archive.expected_checksums,
    "_ollama_version_errors": archive.version_errors,
    "_ollama_version_parse": grammar.parse_version_output,
    "_ollama_settings_errors": service.settings_errors,
    "_ollama_service_env": service.service_env,
    "_ollama_env_split": service.env_split,
    "_ollama_systemd_env": service.systemd_env_lines,
    "_ollama_systemd_envfile": service.envfile_lines,
    "_ollama_systemd_path": service.systemd_path_escape,
    "_ollama_managed_dirs": service.managed_dirs,
    "_ollama_path_parents": service.path_parents,
    "_ollama_connect_url": service.connect_url,
    "_ollama_host_state": host_state.host_state,
    "_ollama_account_in_place": host_state.account_in_place,
    "_ollama_models_errors": models.models_errors,
    "_ollama_mirror_checks": models.mirror_checks,
    "_ollama_models_plan": models.models_plan,
    "_ollama_keep_models": models.keep_models,
    "_ollama_model_tiers_errors": vram.tiers_errors,
    "_ollama_container_errors": container.container_errors,
    "_ollama_container_tag": container.container_tag,
    "_ollama_container_port": container.published_port,
    "_ollama_container_guard": container.guard,
}


class FilterModule(object):
    """Internal filters of the localllm.ollama.ollama role."""

    def filters(self):
        return filter_table(FILTERS)
