#!/usr/bin/env python3
"""Writes a fine-tuned MiniLM-L6 ticket classifier, to measure the quantized modes on a model
with the margins of a trained one (the default bench model's head is random, so many of its
predictions are near ties that any rounding flips).

    /work/venv/bin/python otai-hf-local/benches/make_trained_model.py [--out DIR]
    /work/venv/bin/python otai-hf-local/benches/compare.py --model DIR --quantize none int8 int16

Same architecture, encoder start point, tokenizer and labels as compare.py's bench model. The
training texts come from make_tickets.py's generator with another seed (none of them is one of
the 256 bench texts); a text's label is the queue of its subject (SUBJECT_QUEUES). The whole
model is fine-tuned for two epochs (AdamW, fixed seeds), then its accuracy on the 256 bench
texts (labelled the same way) is printed. Takes about 25 minutes on two cores (2026-11-29:
1915 training texts, accuracy 256/256 on the bench texts, smallest top-two margin 0.998).
"""

import argparse
import json
import random
import sys
from pathlib import Path

import make_tickets as mt

CRATE = Path(__file__).resolve().parent.parent
DEFAULT_OUT = CRATE.parent / "target" / "hf-bench" / "minilm-l6-4label-trained"
LABELS = ["queue/it", "queue/billing", "queue/sales", "queue/general"]
IT, BILLING, SALES, GENERAL = range(4)

# The queue of each subject of make_tickets.py, in its order.
SUBJECT_QUEUES = {
    "de": [IT, IT, IT, BILLING, IT, IT, SALES, IT, GENERAL, SALES,
           IT, IT, BILLING, BILLING, SALES, IT, IT, IT, GENERAL, BILLING],
    "en": [IT, BILLING, IT, IT, GENERAL, IT, IT, BILLING, IT, SALES,
           IT, IT, IT, SALES, IT, IT, BILLING, SALES, IT, GENERAL],
}
TRAIN_SEED = 4242
TRAIN_TEXTS = 2048


def labelled(seed: int, count: int) -> tuple[list[str], list[int]]:
    """`count` texts drawn exactly as make_tickets.main draws them, with their labels."""
    assert len(SUBJECT_QUEUES["de"]) == len(mt.DE_SUBJECTS)
    assert len(SUBJECT_QUEUES["en"]) == len(mt.EN_SUBJECTS)
    rng = random.Random(seed)
    sizes = ["tiny"] * 3 + ["short"] * 8 + ["medium"] * 8 + ["long"] * 3
    texts, labels = [], []
    for _ in range(count):
        german = rng.random() < 0.55
        index: list[int] = []
        texts.append(mt.ticket(rng, german=german, size=rng.choice(sizes), subject_index=index))
        labels.append(SUBJECT_QUEUES["de" if german else "en"][index[0]])
    return texts, labels


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", type=Path, default=DEFAULT_OUT)
    ap.add_argument("--epochs", type=int, default=2)
    args = ap.parse_args()

    import torch
    from transformers import AutoTokenizer, BertForSequenceClassification

    sys.path.insert(0, str(Path(__file__).parent))
    import compare

    base = args.out.with_name(args.out.name + "-start")
    if not (base / "config.json").is_file():
        compare.make_model(base)
    torch.manual_seed(TRAIN_SEED)
    tokenizer = AutoTokenizer.from_pretrained(base)
    model = BertForSequenceClassification.from_pretrained(base)

    bench_texts, bench_labels = labelled(mt.SEED, 256)
    committed = json.loads(compare.TEXTS.read_text(encoding="utf-8"))
    assert bench_texts == committed, "make_tickets.py no longer draws the committed bench texts"
    train_texts, train_labels = labelled(TRAIN_SEED, TRAIN_TEXTS)
    overlap = set(train_texts) & set(bench_texts)
    train = [(t, l) for t, l in zip(train_texts, train_labels) if t not in overlap]
    dropped = len(train_texts) - len(train)
    print(f"{len(train)} training texts ({dropped} dropped: equal to one of {len(overlap)} bench texts)",
          file=sys.stderr)

    optimizer = torch.optim.AdamW(model.parameters(), lr=5e-5, weight_decay=0.01)
    batch = 16
    rng = random.Random(TRAIN_SEED)
    model.train()
    for epoch in range(args.epochs):
        rng.shuffle(train)
        total = 0.0
        for start in range(0, len(train), batch):
            chunk = train[start:start + batch]
            enc = tokenizer([t for t, _ in chunk], truncation=True, padding=True, return_tensors="pt")
            out = model(**enc, labels=torch.tensor([l for _, l in chunk]))
            out.loss.backward()
            optimizer.step()
            optimizer.zero_grad()
            total += out.loss.item() * len(chunk)
        print(f"epoch {epoch + 1}: mean loss {total / len(train):.4f}", file=sys.stderr)

    model.eval()
    correct, margins = 0, []
    with torch.no_grad():
        for start in range(0, 256, 32):
            enc = tokenizer(bench_texts[start:start + 32], truncation=True, padding=True, return_tensors="pt")
            probs = model(**enc).logits.softmax(-1)
            top2 = probs.topk(2, dim=-1).values
            margins.extend((top2[:, 0] - top2[:, 1]).tolist())
            correct += (probs.argmax(-1) == torch.tensor(bench_labels[start:start + 32])).sum().item()
    margins.sort()
    print(f"bench texts: accuracy {correct}/256; top-two margin min {margins[0]:.4f}, "
          f"below 0.01: {sum(m < 0.01 for m in margins)}, median {margins[128]:.4f}", file=sys.stderr)

    args.out.mkdir(parents=True, exist_ok=True)
    model.save_pretrained(args.out)
    tokenizer.save_pretrained(args.out)
    (args.out / "tokenizer.json").write_bytes((base / "tokenizer.json").read_bytes())
    print(f"wrote trained model to {args.out}", file=sys.stderr)


if __name__ == "__main__":
    main()
