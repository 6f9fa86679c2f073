# shellcheck shell=sh
# localllm.ollama.gateway: one read-only look at the gateway host before any change, run by tasks/preflight.yml as
# `sh -c` with the files to look at as arguments and the names in the environment. One module run replaces a
# getent per backend name, the package install check, the nginx unit check, the htpasswd reads and the two module
# runs (stat, then file) of every template and copy task whose file is already in place, which is most of what a
# converged re-run of the gateway costs. Parsed by localllm.ollama._gateway_host_state
# (plugins/plugin_utils/_gateway_host_state.py), where the line format is documented. POSIX sh + coreutils.
#
# Environment: HS_NAMES (backend host names to resolve, space-separated), HS_PACKAGES (Debian packages the role
# installs), HS_USERS_FROM (htpasswd files whose user names to list; names only, never the hashes).
set -u

for name in $HS_NAMES; do
    address=$(getent ahostsv4 "$name" 2>/dev/null | awk 'NR == 1 { print $1 }')
    printf 'resolve|%s|%s\n' "$name" "$address"
done

if [ -n "$HS_PACKAGES" ]; then
    # shellcheck disable=SC2086 # one argument per package
    dpkg-query -W -f='package|${Package}|${db:Status-Abbrev}\n' $HS_PACKAGES 2>/dev/null
fi

printf 'nginx|%s|%s\n' "$(systemctl is-enabled nginx.service 2>/dev/null)" \
    "$(systemctl is-active nginx.service 2>/dev/null)"

# lstat of every file argument (a link is not followed): type, owner, group, mode, the SHA-1 of a regular file's
# content (what the template and copy tasks compare their wanted content with) and the target of a link
for path in "$@"; do
    if info=$(stat -c '%F|%U|%G|%a' -- "$path" 2>/dev/null); then
        sum=''
        target=''
        if [ -L "$path" ]; then
            target=$(readlink -- "$path" 2>/dev/null || :)
        elif [ -f "$path" ]; then
            sum=$(sha1sum < "$path" 2>/dev/null || :)
            sum=${sum%% *}
        fi
        printf 'file|%s|%s|%s|%s\n' "$info" "$sum" "$target" "$path"
    else
        printf 'file|missing||||||%s\n' "$path"
    fi
done

for path in $HS_USERS_FROM; do
    if [ -f "$path" ]; then
        # the name before the first colon of every "name:hash" line
        sed -n 's/^\([^:][^:]*\):.*/\1/p' -- "$path" | while IFS= read -r user; do
            printf 'htuser|%s|%s\n' "$path" "$user"
        done
    fi
done
exit 0
