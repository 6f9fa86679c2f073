#!/usr/bin/env bash
# Run `make <stage>` for every stage given, time each one and print a table
# ("stage  seconds  result") at the end.
#
# A stage listed before `--` is a prerequisite: when it fails, the run stops.
# Stages after `--` are checks: they all run, and the exit status is non-zero
# if any of them failed.
#   scripts/run-stages.sh venv docker images standin -- lint sanity unit molecule-all
set -uo pipefail

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "${repo_root}" || exit 1

make_cmd="${MAKE:-make}"
names=()
seconds=()
results=()
failed=0
prerequisite=1
run_start=${SECONDS}

print_table() {
    local i
    printf '\n%-16s %8s  %s\n' stage seconds result
    for i in "${!names[@]}"; do
        printf '%-16s %8s  %s\n' "${names[$i]}" "${seconds[$i]}" "${results[$i]}"
    done
    printf '%-16s %8s  %s\n' total "$((SECONDS - run_start))" "$([[ ${failed} -eq 0 ]] && echo ok || echo FAILED)"
    local passed=0 failures=0 r
    for r in "${results[@]}"; do
        if [[ "${r}" == ok ]]; then passed=$((passed + 1)); else failures=$((failures + 1)); fi
    done
    # the plain closing line CI reads: one count per stage
    printf '\nstages: %d passed, %d failed\n' "${passed}" "${failures}"
}

for stage in "$@"; do
    if [[ "${stage}" == "--" ]]; then
        prerequisite=0
        continue
    fi
    printf '\n===== stage %s =====\n' "${stage}"
    start=${SECONDS}
    "${make_cmd}" --no-print-directory "${stage}"
    rc=$?
    names+=("${stage}")
    seconds+=("$((SECONDS - start))")
    if [[ ${rc} -eq 0 ]]; then
        results+=(ok)
    else
        results+=("FAILED (rc ${rc})")
        failed=1
        if [[ ${prerequisite} -eq 1 ]]; then
            printf '\nprerequisite stage %s failed; later stages skipped\n' "${stage}"
            print_table
            exit 1
        fi
    fi
done

print_table
exit "${failed}"
