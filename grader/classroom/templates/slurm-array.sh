#!/bin/bash
# Grade a whole class as a Slurm job array; each task reads its shard from
# SLURM_ARRAY_TASK_ID/SLURM_ARRAY_TASK_COUNT. Submit, then merge when all tasks are done:
#
#   jobid=$(sbatch --parsable slurm-array.sh submissions)
#   sbatch --dependency=afterok:"$jobid" --wrap "grade merge shards/shard-* --out results"
#
# See docs/batch.md.
#SBATCH --job-name=grade-class
#SBATCH --array=1-4
#SBATCH --cpus-per-task=2
#SBATCH --mem=2G
#SBATCH --time=00:30:00
#SBATCH --output=grade-class-%A_%a.log

set -euo pipefail

SUBMISSIONS="${1:-submissions}"
OUT="shards/shard-${SLURM_ARRAY_TASK_ID:?run this script with sbatch --array}"

mkdir -p shards
grade batch "$SUBMISSIONS" --out "$OUT" --jobs "${SLURM_CPUS_PER_TASK:-1}"
