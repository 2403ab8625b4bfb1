#!/usr/bin/env bash
# Table 1 as Slurm jobs, the same plan examples/table1.sn runs in one process (table1_plan.sn):
#
#   fine-tune array (one task per method x seed, requeueable, checkpoint on SIGTERM/USR1)
#     -> one evaluation array per model (shard k of n of every task), each waiting for its model
#   evaluation array of the base model (starts at once)
#   -> merge job (after every evaluation): joins the shards, prints both tables
#
# usage: examples/slurm/table1.sh [quick|default|full] [--work DIR] [--model DIR] [--wait]
#   --work DIR    where models, checkpoints, results and logs go (default ./table1-<mode>-<time>);
#                 it must be on a file system every node sees
#   --model DIR   the base model (default examples/models/shapes-base)
#   --wait        wait for the jobs to finish, then print the merge job's output; exit 1 (with
#                 each failed job's log) if any job did not complete
# Environment:
#   SN            the sn binary (default: this checkout's .build/release/sn); every node runs it
#   SN_CPUS       CPUs per job (default 2); sn uses that many threads
#   SN_SBATCH     extra sbatch options for every job, e.g. "--partition=cpu --account=lab"
#   SN_FINETUNE_TIME, SN_EVALUATE_TIME   --time limits (e.g. 4:00:00); with a limit, a fine-tune
#                 is warned SN_WARN_SECONDS (default 300) before it (--signal=B:USR1@...),
#                 checkpoints and requeues itself. Slurm sends the warning up to 60 s early or late,
#                 so keep it above one fine-tuning step plus a minute.
# Prints the job ids, then (with --wait) the tables.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
repo="$(cd "$here/../.." && pwd)"

mode=default
work=""
model="$repo/examples/models/shapes-base"
wait_for_jobs=0
while [ $# -gt 0 ]; do
    case "$1" in
        quick|default|full) mode="$1" ;;
        --work) work="$2"; shift ;;
        --model) model="$2"; shift ;;
        --wait) wait_for_jobs=1 ;;
        *) echo "usage: $0 [quick|default|full] [--work DIR] [--model DIR] [--wait]" >&2; exit 2 ;;
    esac
    shift
done

sn="${SN:-$repo/.build/release/sn}"
[ -x "$sn" ] || { echo "table1.sh: no sn at $sn: build it (swift build -c release --product sn) or set SN" >&2; exit 1; }
[ -f "$model/model_index.json" ] || { echo "table1.sh: $model is not a model folder (no model_index.json)" >&2; exit 1; }
model="$(cd "$model" && pwd)"
work="${work:-$PWD/table1-$mode-$(date +%Y%m%d-%H%M%S)}"
mkdir -p "$work/models" "$work/checkpoints" "$work/results" "$work/logs"
work="$(cd "$work" && pwd)"
job_script="$here/table1_job.sn"

# The plan's layout: the fine-tunes in array order and the shard count (from table1_plan.sn).
layout="$("$sn" "$job_script" layout "$mode")"
mapfile -t runs < <(sed -n 's/^run //p' <<<"$layout")
shards="$(sed -n 's/^shards //p' <<<"$layout")"
[ "${#runs[@]}" -gt 0 ] && [ -n "$shards" ] || { echo "table1.sh: the plan gave no fine-tunes or no shard count:" >&2; echo "$layout" >&2; exit 1; }

# shellcheck disable=SC2206
common=(--parsable --open-mode=append --cpus-per-task="${SN_CPUS:-2}" ${SN_SBATCH:-})
submit() { sbatch "${common[@]}" "$@"; }
sn_job=("$here/sn-job" "$sn" "$job_script")

finetune=$(submit --job-name=table1-finetune --array="0-$((${#runs[@]} - 1))" --requeue --signal=B:USR1@"${SN_WARN_SECONDS:-300}" \
    ${SN_FINETUNE_TIME:+--time="$SN_FINETUNE_TIME"} --output="$work/logs/finetune-%A_%a.out" \
    "${sn_job[@]}" finetune "$mode" "$model" "$work")
echo "fine-tunes: job $finetune, tasks 0-$((${#runs[@]} - 1)) = ${runs[*]}"

evaluations=()
evaluate() {  # NAME MODEL [DEPENDENCY]
    local id
    id=$(submit --job-name="table1-eval-$1" --array="0-$((shards - 1))" --requeue ${3:+--dependency="$3"} \
        ${SN_EVALUATE_TIME:+--time="$SN_EVALUATE_TIME"} --output="$work/logs/evaluate-$1-%A_%a.out" \
        "${sn_job[@]}" evaluate "$mode" "$2" "$1" "$work")
    evaluations+=("$id")
    echo "evaluation of $1: job $id, $shards shards${3:+, after $3}"
}
evaluate base "$model"
for i in "${!runs[@]}"; do
    evaluate "${runs[$i]}" "$work/models/${runs[$i]}" "afterok:${finetune}_$i"
done

merge=$(submit --job-name=table1-merge --dependency="afterok:$(IFS=:; echo "${evaluations[*]}")" \
    --output="$work/logs/merge-%j.out" "${sn_job[@]}" merge "$mode" "$work")
echo "merge and tables: job $merge -> $work/logs/merge-$merge.out"
echo "results: $work/results"

[ "$wait_for_jobs" -eq 1 ] || exit 0

# Wait until none of the jobs is queued or running, then check that every task completed.
all=("$finetune" "${evaluations[@]}" "$merge")
ids="$(IFS=,; echo "${all[*]}")"
failed=0
while :; do
    queued="$(squeue -h -j "$ids" -o '%i %r' 2>/dev/null || true)"
    [ -n "$queued" ] || break
    # A job whose dependency failed would wait for ever: cancel it and report it below.
    stuck="$(awk '$2 == "DependencyNeverSatisfied" {print $1}' <<<"$queued")"
    if [ -n "$stuck" ]; then
        echo "table1.sh: cancelling jobs whose dependency failed: $(echo $stuck)" >&2
        # shellcheck disable=SC2086
        scancel $stuck
        failed=1
    fi
    sleep 5
done
for id in "${all[@]}"; do
    # One line per job or array task: JobId=... ArrayTaskId=... JobState=...
    while read -r line; do
        state="$(grep -o 'JobState=[A-Z_]*' <<<"$line" | cut -d= -f2)"
        [ "$state" = COMPLETED ] && continue
        failed=1
        task="$(grep -o 'ArrayTaskId=[0-9]*' <<<"$line" | cut -d= -f2 || true)"
        out="$(grep -o 'StdOut=[^ ]*' <<<"$line" | cut -d= -f2)"
        echo "table1.sh: job $id${task:+ task $task} ended $state; its log ($out):" >&2
        tail -n 30 "$out" >&2 2>/dev/null || echo "(no log)" >&2
    done < <(scontrol -o show job "$id")
done
[ "$failed" -eq 0 ] || exit 1
cat "$work/logs/merge-$merge.out"
