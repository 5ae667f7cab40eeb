#!/usr/bin/env bash
# Databricks cluster init script for the GPU job cluster (submit/databricks-job.json): installs
# libtorch 2.7.1 for CUDA 12.8 (PyTorch's own build, cxx11 ABI, CUDA libraries included) under
# /databricks/libtorch, where the cluster's PYTORCH_LIBRARY_PATH points DJL. The train task runs
# sparkseg-app-thin.jar, which carries DJL 0.35.1's JNI for exactly this libtorch but no libtorch.
# Other clusters: unpack the same zip on every node and use SPARKSEG_LIBTORCH with
# submit/sparkseg-submit (README "GPU build").
set -euo pipefail
dest=/databricks/libtorch
url="https://download.pytorch.org/libtorch/cu128/libtorch-cxx11-abi-shared-with-deps-2.7.1%2Bcu128.zip"
[[ -f "$dest/lib/libtorch_cuda.so" ]] && exit 0
tmp="$(mktemp -d)"
curl -fsSL --retry 3 -o "$tmp/libtorch.zip" "$url"
unzip -q "$tmp/libtorch.zip" -d "$tmp"
mkdir -p "$(dirname "$dest")"
mv "$tmp/libtorch" "$dest"
rm -rf "$tmp"
