#!/bin/sh
# GPU check of the torch engine (issue 5): trains a CIFAR-size BlockQNN network
# (bench/gpu/blockqnn_net.py, generated from the IR) with the engine's Python
# trainer and with a plain PyTorch loop, and prints images/s of each, their
# ratio (target >= 0.9) and the peak GPU memory. Needs only python3 with torch
# and numpy: no Node, no Redis. Under 5 minutes on a GPU; without CUDA it runs
# on the CPU (use --small there). Options: bench/gpu.sh --help.
#
#   bench/gpu.sh                  # full run: 45,000 images x 2 epochs per loop
#   bench/gpu.sh --small          # CPU smoke run
#   bench/gpu.sh --cifar DIR      # real CIFAR-10 binary batches instead of synthetic data
#   bench/gpu.sh --packing --out packing.json   # candidates/h with K = 1, 2, 4, 8 trainers on one GPU (under 4 min)
#   bench/gpu.sh --packing --small              # its CPU smoke run
#   BLOCKQNN_PYTHON=/path/python bench/gpu.sh
set -eu
cd "$(dirname "$0")/.."
for candidate in "${BLOCKQNN_PYTHON:-}" python3 /usr/bin/python3; do
  if [ -n "$candidate" ] && "$candidate" -c 'import torch, numpy' 2>/dev/null; then
    echo "python with torch: $candidate" >&2
    exec "$candidate" -B bench/gpu/bench.py "$@"
  fi
done
echo "bench/gpu.sh: no python3 with torch and numpy found (tried \$BLOCKQNN_PYTHON, python3, /usr/bin/python3);" >&2
echo "  install: apt-get install python3-torch, or pip install torch numpy (CUDA wheels: https://pytorch.org/get-started/locally/)" >&2
exit 2
