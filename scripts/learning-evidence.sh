#!/usr/bin/env bash
# Reproduces the learning evidence of docs/learning-results.md (issue #4,
# item 6). Runs in results/ (override with OUT). Each part can run alone:
#   bash scripts/learning-evidence.sh single   # (a) PPO, SAC, random on one program, 3 seeds
#     STEPS=6144 AGENTS="random ppo" OUT=results/long bash scripts/learning-evidence.sh single
#                                              # (a) the longer PPO runs
#   bash scripts/learning-evidence.sh split    # (b) train on builtin-v0:train + csmith, eval held out
#   bash scripts/learning-evidence.sh summary  # the table of (a)
#   bash scripts/learning-evidence.sh ablation # (c) PPO's state: graph, Autophase, both; 3 seeds each
#     STATES=graph+autophase START=O3 bash scripts/learning-evidence.sh ablation
#                                              # (c) the fused state from -O3's output
#     STATES=graph+autophase START=O3 REWARD=runtime STEPS=768 LENGTH=5 ITERATION=128 \
#       bash scripts/learning-evidence.sh ablation
#                                              # (c) the same, trained on measured run time
#     (STEPS=3072: the longer run of docs/learning-results.md, about 15 min)
#     STATES=graph+autophase ACTIONS=builtin:O3-pieces REWARD=runtime STEPS=3072 \
#       LENGTH=13 ITERATION=128 bash scripts/learning-evidence.sh ablation
#                                              # (c) from the unoptimized module, -O3's pieces as actions
#     (TRAIN=builtin-v0:train,csmith-v0:1-20: trained on csmith programs too)
# Build first (scripts/build.sh). Times are for this 2-core machine.
set -euo pipefail
cd "$(dirname "$0")/.."
PASSGYM=${PASSGYM:-./build/passgym}
OUT=${OUT:-results}
SEEDS=${SEEDS:-"1 2 3"}
NET="--hidden 32 --layers 2"
mkdir -p "$OUT"

single() {
  local program=${PROGRAM:-benchmark://builtin-v0/qsort}
  local steps=${STEPS:-2048}
  for seed in $SEEDS; do
    for agent in ${AGENTS:-random ppo sac}; do
      local dir="$OUT/single-$agent-seed$seed"
      rm -rf "$dir"
      "$PASSGYM" train --agent "$agent" --dataset "$program" --reward instcount \
        --steps "$steps" --episode-length 20 --seed "$seed" $NET -o "$dir"
      [ "$agent" = random ] && continue
      "$PASSGYM" eval --policy "$dir/checkpoint" --dataset "$program" \
        --json "$dir/eval.json" | tee "$dir/eval.txt"
    done
  done
}

split() {
  local train="builtin-v0:train,csmith-v0:1-10"
  for agent in ppo sac; do
    local steps=${STEPS:-6144}
    [ "$agent" = sac ] && steps=${SAC_STEPS:-3072}
    local dir="$OUT/split-$agent"
    rm -rf "$dir"
    "$PASSGYM" train --agent "$agent" --dataset "$train" --reward instcount \
      --steps "$steps" --episode-length 20 --seed 1 $NET -o "$dir"
    "$PASSGYM" eval --policy "$dir/checkpoint" --dataset builtin-v0:test \
      --json "$dir/eval-test.json" | tee "$dir/eval-test.txt"
  done
}

# (c) What PPO sees of the module: its ProGraML graph, its Autophase
# features, or both (the fused network). Each trained on builtin-v0:train
# with the instruction-count reward, SEEDS seeds, then evaluated on the
# held-out programs EVAL (default: the held-out built-ins and ten csmith
# programs; its own sequence against -Oz's instruction count and -O3's run
# time, measured once and in interleaved pairs with -O3); a table of the
# geometric means over the seeds (mean, min, max) and the learning curves as
# one image. START=O3 starts every episode (training and evaluation) from
# -O3's output; REWARD (instcount, runtime, codesize), LENGTH (steps per
# episode), ITERATION (steps per PPO iteration) and ACTIONS (an action space
# file or builtin:NAME) and TRAIN (the training programs) change the
# training.
ablation() {
  local steps=${STEPS:-4096} start=${START:-none} reward=${REWARD:-instcount}
  local dirs=() labels=() actions=() space=""
  if [ -n "${ACTIONS:-}" ]; then
    actions=(--actions "$ACTIONS")
    space="-${ACTIONS##*[:/]}"
    space="${space%.txt}"
  fi
  for state in ${STATES:-graph autophase graph+autophase}; do
    for seed in $SEEDS; do
      local dir="$OUT/ablation-${state/+/-}$space-from-$start-$reward-seed$seed"
      rm -rf "$dir"
      "$PASSGYM" train --agent ppo --dataset "${TRAIN:-builtin-v0:train}" --reward "$reward" \
        --steps "$steps" --episode-length "${LENGTH:-20}" \
        --iteration-steps "${ITERATION:-256}" --seed "$seed" --state "$state" \
        --start-from "$start" "${actions[@]}" $NET -o "$dir" > "$dir.log"
      "$PASSGYM" eval --policy "$dir/checkpoint" "${actions[@]}" \
        --dataset "${EVAL:-builtin-v0:test,csmith-v0:101-110}" \
        --json "$dir/eval.json" > "$dir/eval.txt"
      dirs+=("$dir")
      labels+=("$state")
    done
  done
  python3 - "${dirs[@]}" <<'PY'
import json, sys
rows = {}
for d in sys.argv[1:]:
    state = d.rsplit("/", 1)[1][len("ablation-"):].rsplit("-from-", 1)[0]
    state = state.replace("graph-autophase", "graph+autophase")
    e = json.load(open(d + "/eval.json"))
    g = e["geomean"]
    rows.setdefault(state, []).append(
        (g["instcount_vs_oz"]["value"], g["speedup_vs_o3"]["value"],
         g["paired_vs_o3"]["value"], e["faster_than_o3"], e["slower_than_o3"],
         g["paired_vs_o3"]["count"]))
def cell(values):
    values = [v for v in values if v is not None]
    if not values:
        return "failed"
    return "%.3fx [%.3f, %.3f]" % (sum(values) / len(values), min(values), max(values))
print("%-16s %-5s %-28s %-28s %-28s %s" % (
    "state", "seeds", "insts vs -Oz", "speed vs -O3 (once)",
    "speed vs -O3 (paired)", "faster/slower/of, per seed"))
for state, r in rows.items():
    print("%-16s %-5d %-28s %-28s %-28s %s" % (
        state, len(r), cell([x[0] for x in r]), cell([x[1] for x in r]),
        cell([x[2] for x in r]), " ".join("%d/%d/%d" % x[3:] for x in r)))
PY
  scripts/plot-paired.py "${dirs[@]}" \
    --title "PPO (${STATES:-each state}, $reward) from $start: held-out programs against -O3, interleaved pairs" \
    -o "$OUT/ablation$space-from-$start-$reward-paired.png"
  scripts/plot-learning.py "${dirs[@]}" --label "${labels[@]}" \
    --title "PPO on ${TRAIN:-builtin-v0:train}, $reward, from $start: ${STATES:-graph, Autophase, both} ($SEEDS)" \
    --force -o "$OUT/ablation$space-from-$start-$reward.png"
}

# The table of docs/learning-results.md (a): per run, the mean episode return
# over the whole run and over its last two iterations.
summary() {
  printf "%-8s %-5s %12s %12s\n" agent seed "whole run" "last 2 iter."
  for dir in "$OUT"/single-*-seed*; do
    local name=${dir##*/single-}
    awk -F, -v agent="${name%-seed*}" -v seed="${name##*seed}" '
      NR == 1 { for (i = 1; i <= NF; i++) if ($i == "episodes") e = i;
                for (i = 1; i <= NF; i++) if ($i == "mean_episode_return") r = i; next }
      $r != "nan" { sum += $r * $e; n += $e; last2[NR % 2] = $r }
      END { printf "%-8s %-5s %12.4f %12.4f\n", agent, seed, sum / n,
                   (last2[0] + last2[1]) / 2 }' "$dir/metrics.csv"
  done
}

"${1:?usage: learning-evidence.sh single|split|summary|ablation}"
