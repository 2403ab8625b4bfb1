#!/usr/bin/env bash
# One benchmark evaluation as a Slurm array (one task per shard) and a merge job that waits for
# all of them (--dependency=afterok) and prints the table.
#
# usage: examples/slurm/evaluate.sh MODEL DATASET FORMAT OUT [--shards N] [--samples S] [--size PX] [--method NAME]
#   MODEL    a diffusers folder, e.g. a Stable Diffusion 1.5 download
#   DATASET  the benchmark folder (winoground, imagecode, vg_relation, vg_attribution,
#            coco_order, flickr_order layouts; see README "Scaling out")
#   FORMAT   its format name, as dataset(path, format:) takes it
#   OUT      result base name, e.g. results/sd15_winoground: the shards write
#            OUT.shard-<k>-of-<n>.json, the merge OUT.json and OUT.csv
#   --shards N    array tasks (default 8); --samples S timesteps per score (default 10)
#   --size PX     image side in pixels (default: the model's own, 512 for SD-1.5; 256 runs SD-1.5
#                 on 32x32 latents, about 5x cheaper)
#   --method NAME the table's row name (default: the model folder's name)
# Environment: SN (the sn binary, default this checkout's .build/release/sn), SN_CPUS (CPUs per
# task, default 2), SN_SBATCH (extra sbatch options), SN_EVALUATE_TIME (a --time limit).
# Every path must be on a file system all nodes see.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
usage() { echo "usage: $0 MODEL DATASET FORMAT OUT [--shards N] [--samples S] [--size PX] [--method NAME]" >&2; exit 2; }
[ $# -ge 4 ] || usage
model="$(cd "$1" && pwd)"; data="$(cd "$2" && pwd)"; format="$3"; out="$4"; shift 4
shards=8; samples=10; size=-; method=""
while [ $# -gt 0 ]; do
    case "$1" in
        --shards) shards="$2"; shift ;;
        --samples) samples="$2"; shift ;;
        --size) size="$2"; shift ;;
        --method) method="$2"; shift ;;
        *) usage ;;
    esac
    shift
done
sn="${SN:-$repo/.build/release/sn}"
[ -x "$sn" ] || { echo "evaluate.sh: no sn at $sn: build it (swift build -c release --product sn) or set SN" >&2; exit 1; }
mkdir -p "$(dirname "$out")"
out="$(cd "$(dirname "$out")" && pwd)/$(basename "$out")"

# shellcheck disable=SC2206
common=(--parsable --open-mode=append --cpus-per-task="${SN_CPUS:-2}" ${SN_SBATCH:-})
array=$(sbatch "${common[@]}" --job-name=sn-evaluate --array="0-$((shards - 1))" --requeue \
    ${SN_EVALUATE_TIME:+--time="$SN_EVALUATE_TIME"} --output="$out.%A_%a.log" \
    "$here/sn-job" "$sn" "$here/evaluate_shard.sn" "$model" "$data" "$format" "$out" "$samples" "$size" ${method:+"$method"})
merge=$(sbatch "${common[@]}" --job-name=sn-merge --dependency="afterok:$array" --output="$out.merge-%j.log" \
    "$here/sn-job" "$sn" "$here/merge.sn" "$out")
echo "evaluation: job $array ($shards shards); merge: job $merge, table in $out.merge-$merge.log"
