"""Request classifier benchmark (issue 17). Ratios are measured in the same run.

(a) classification p50 per request (the trained model: features, three heads, evidence, review
    checks) over distinct corpus texts, cold (a fresh model: every word new to its cache) and
    warm, with its ratio to two floors measured on the same texts: the
    bare NumPy dot product of the category head on a ready feature vector, and the old phrase
    matcher (target: p50 <= 2 ms);
(b) `assess` with text and no category/requested p50, with its ratio to `assess` of the same
    request with category and requested given (target: p50 <= 5 ms);
(c) memory the models add to the process: Python allocations (tracemalloc) and resident set
    size while loading both programs' models (target: <= 50 MB).

Run: ./dev bench   (or .venv/bin/python bench/classify.py [--requests 2000])
"""

from __future__ import annotations

import argparse
import gc
import resource
import statistics
import sys
import time
import tracemalloc
from collections.abc import Callable, Sequence
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from appealdesk.policy import assess, default_registry, textmodel, train
from appealdesk.policy.assess import program_for
from appealdesk.policy.classify import (
    classify_model,
    classify_text,
    compile_patterns,
    model_for,
)

RECEIVED_AT = "2026-03-02T10:15:00-08:00"
# Wall time by default; --cpu counts only this thread's CPU time, for a machine shared with
# other work (the wall time then mostly measures the wait for a core).
CLOCK = time.perf_counter


def p50_us(fn: Callable[[str], object], texts: Sequence[str], warm: bool = True) -> float:
    if warm:
        for text in texts:
            fn(text)  # every text once: the model's per-word cache holds all their words
    samples = []
    for text in texts:
        start = CLOCK()
        fn(text)
        samples.append(CLOCK() - start)
    return statistics.median(samples) * 1e6


def rss_mb() -> float:
    # ru_maxrss is in kilobytes on Linux; current RSS from /proc when available
    try:
        with open("/proc/self/statm") as handle:
            pages = int(handle.read().split()[1])
        return pages * resource.getpagesize() / 2**20
    except OSError:
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def memory() -> dict[str, float]:
    registry = default_registry()
    loaded = [registry.latest(p) for p in registry.programs()]
    gc.collect()
    before_rss = rss_mb()
    tracemalloc.start()
    models = [model_for(lp) for lp in loaded]
    # score once so any lazily built structure is counted
    for model in models:
        if model is not None:
            model.score("my claim was denied, please pay it")
    current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    after_rss = rss_mb()
    assert all(m is not None for m in models)
    return {
        "traced_mb": current / 2**20,
        "peak_mb": peak / 2**20,
        "rss_mb": after_rss - before_rss,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=1000)
    parser.add_argument("--cpu", action="store_true", help="time by CPU time, not wall time")
    args = parser.parse_args()
    global CLOCK
    if args.cpu:
        CLOCK = time.thread_time

    mem = memory()  # first, before anything else loads the models
    registry = default_registry()
    loaded = registry.latest("ump")
    pack = loaded.pack
    model = model_for(loaded)
    assert model is not None
    rows = train.read_rows(train.corpus_dirs_for(loaded), "ump")
    texts = [str(r["text"]) for r in rows]
    texts = texts[: args.requests]  # distinct texts: the cold pass sees each word once

    # cold: a fresh model that has seen none of the words (a new process); warm: seen them all
    cold_model = model_for(loaded)
    assert cold_model is not None
    cold = p50_us(lambda t: classify_model(pack, cold_model, t), texts, warm=False)
    ours = p50_us(lambda t: classify_model(pack, model, t), texts)
    head = model.heads["category"]
    vectors = {t: model.vectorise(t) for t in texts}
    dot = p50_us(lambda t: head.proba(vectors[t].cols, vectors[t].vals), texts)
    patterns = compile_patterns(pack)
    phrases = p50_us(lambda t: classify_text(pack, patterns, t), texts)
    features = p50_us(lambda t: textmodel.analyse(t), texts)

    def with_text(text: str) -> object:
        return assess(
            {"program": "ump", "received_at": RECEIVED_AT, "channel": "email", "text": text}
        )

    def given(text: str) -> object:
        return assess(
            {
                "program": "ump",
                "received_at": RECEIVED_AT,
                "channel": "email",
                "category": "claim_payment",
                "requested": "appeal",
            }
        )

    program_for(loaded).model = model_for(loaded)  # a cold model for assess too
    assess_cold = p50_us(with_text, texts, warm=False)
    assess_text = p50_us(with_text, texts)
    assess_given = p50_us(given, texts)

    print(f"timed by {'CPU' if args.cpu else 'wall'} time")
    print(
        f"(a) classification of {len(texts):,} corpus requests (UMP, {model.n_features:,} features)"
    )
    print(f"    p50 {ours:8.1f} us warm, {cold:8.1f} us cold   (target <= 2000 us)")
    print(
        f"    floors: bare dot product p50 {dot:.1f} us, old phrase matcher p50 {phrases:.1f} us,"
    )
    print(f"            feature extraction alone p50 {features:.1f} us")
    print(
        f"    ratios: classify / dot product = {ours / dot:,.0f}x, "
        f"classify / phrases = {ours / phrases:.1f}x"
    )
    print("(b) assess with text only (category, requested and urgency proposed from the text)")
    print(f"    p50 {assess_text:8.1f} us warm, {assess_cold:8.1f} us cold   (target <= 5000 us)")
    print(f"    floor: assess with category and requested given p50 {assess_given:.1f} us;")
    print(f"    ratio = {assess_text / assess_given:.1f}x")
    print("(c) memory the models add (both programs)")
    print(
        f"    Python allocations {mem['traced_mb']:.1f} MB "
        f"(peak while loading {mem['peak_mb']:.1f} MB), "
        f"RSS +{mem['rss_mb']:.1f} MB   (target <= 50 MB)"
    )
    ok = (
        max(ours, cold) <= 2000
        and max(assess_text, assess_cold) <= 5000
        and max(mem["rss_mb"], mem["peak_mb"]) <= 50
    )
    print("targets:", "met" if ok else "NOT MET")


if __name__ == "__main__":
    main()
