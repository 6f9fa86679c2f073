# shellcheck shell=sh
# localllm.ollama.ollama (binary install method on Linux): one read-only look at the host before any change, run by
# tasks/binary/preflight.yml as `sh -c` with the paths to lstat as arguments and the names in the environment. One
# module run replaces eleven (a stat per path, getent, the installed version, the staged releases, the kept-models
# probe) plus the stat and file module runs of every unit file that is already in place, which is most of what a
# converged re-run costs on a server. Parsed by the localllm.ollama._ollama_host_state
# filter (plugins/plugin_utils/_ollama_host_state.py); the line format is documented there. POSIX sh + coreutils.
#
# Environment: HS_USER, HS_GROUP (the service account), HS_GROUPS (group names to look up, space-separated),
# HS_MODELS (models directory), HS_STAGING, HS_MARKER (staging directory and the marker of the releases the role
# staged), HS_BINARY, HS_RECORD, HS_SEPARATOR, HS_HOME (the ollama binary, its install record, the separator
# between the two, and the HOME `ollama -v` needs), HS_SERVICE (the systemd unit; optional).
set -u

# lstat of every path, in argument order (a link is not followed; its resolved target comes last on the line), with
# the SHA-1 of a regular file's content (what the template tasks of binary/configure.yml compare theirs with)
for path in "$@"; do
    if info=$(stat -c '%F|%u|%g|%U|%G|%a' -- "$path" 2>/dev/null); then
        sum=''
        target=''
        if [ -L "$path" ]; then
            target=$(readlink -f -- "$path" 2>/dev/null || :)
        elif [ -f "$path" ]; then
            sum=$(sha1sum < "$path" 2>/dev/null || :)
            sum=${sum%% *}
        fi
        printf 'path|%s|%s|%s\n' "$info" "$sum" "$target"
    else
        printf 'path|missing\n'
    fi
done

# the service unit: enabled and running (binary/service.yml skips its start task when both are as wanted)
if [ -n "${HS_SERVICE:-}" ]; then
    printf 'service|%s|%s\n' "$(systemctl is-enabled "$HS_SERVICE" 2>/dev/null)" \
        "$(systemctl is-active "$HS_SERVICE" 2>/dev/null)"
fi

for name in $HS_GROUPS; do
    if entry=$(getent group "$name" 2>/dev/null); then
        printf 'group|%s\n' "$entry"
    fi
done

if entry=$(getent passwd "$HS_USER" 2>/dev/null); then
    printf 'user|%s\n' "$entry"
    printf 'member|%s\n' "$(id -nG "$HS_USER" 2>/dev/null || :)"
    # Model files that the service user does not own (a reinstall gave it another uid). Only answerable while the
    # user and group exist; without a `foreign` line install.yml probes again once it has created them.
    if getent group "$HS_GROUP" >/dev/null 2>&1; then
        found=''
        if [ -d "$HS_MODELS" ]; then
            found=$(find -P "$HS_MODELS" \( ! -user "$HS_USER" -o ! -group "$HS_GROUP" \) -printf x -quit 2>/dev/null \
                    || printf '?')
        fi
        printf 'foreign|%s\n' "$found"
    fi
fi

# release directories the role staged (each holds the marker; binary/download.yml writes it)
if [ -d "$HS_STAGING" ]; then
    find -P "$HS_STAGING" -mindepth 2 -maxdepth 2 -type f -name "$HS_MARKER" -printf 'staged|%h\n' 2>/dev/null
fi

# Last, as it may span lines: `ollama -v` (it always exits 0; HOME must be set), the separator, the install record.
printf 'installed|\n'
if [ -e "$HS_BINARY" ]; then
    HOME="$HS_HOME" "$HS_BINARY" -v 2>/dev/null
    printf '%s\n' "$HS_SEPARATOR"
    cat -- "$HS_RECORD" 2>/dev/null || :
fi
exit 0
