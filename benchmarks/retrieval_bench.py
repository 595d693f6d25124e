"""Retrieval benchmarks: cold `kb-bot ask` and what it imports, warm query latency (lexical and hybrid on
the sample corpus, lexical at 10k/50k passages), building the sample corpus's vectors, PDF ingest
throughput, and re-ingesting one changed notice in a 10k-passage index.

    python benchmarks/retrieval_bench.py [--sizes 10000 50000] [--model use-multilingual-v3] [--out benchmarks/results]

Synthetic corpora are built from the sentences of the bundled sample corpus, recombined into
問/答 units, so token statistics stay Japanese and domain-like; they are indexed lexically. The hybrid
measures use ``--model`` (the bundled USE model by default). Results are printed and written to
<out>/retrieval.json and <out>/retrieval.md.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from ingest.pdf_writer import write_pdf  # noqa: E402
from ingest.pipeline import ingest  # noqa: E402
from kb_bot.search import Searcher  # noqa: E402
from kb_bot.settings import load_settings  # noqa: E402
from kb_bot.text import split_sentences  # noqa: E402

CORPUS = [ROOT / "corpus" / c for c in ("handbook", "casebook", "notices")]
QUESTIONS = ["63条と78条の違いは", "自立更生費で冷蔵庫を買った分は返還額から引ける？", "年金の遡及分を本人が知らなかった場合",
             "返還金を保護費から天引きできるか", "督促すると時効はどうなる", "介護保険料加算は特別徴収でもつくか",
             "保険金を申告せずに使ってしまった", "分納の不履行があったときの対応", "破産したら徴収金は免責されるか",
             "課税調査で判明した収入の扱い"]


def pct(values: list[float], q: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, round(q * (len(values) - 1)))]


def settings_for(home: Path, model: str = "none"):
    return load_settings(home=home, embed_model=model)


def sample_sentences(tmp: Path) -> list[str]:
    s = settings_for(tmp / "sample")
    ingest(CORPUS, s, progress=False)
    v = Searcher(s).version()
    return [x for p in v.passages for x in split_sentences(p.text) if len(x) > 12]


def synthetic_corpus(folder: Path, n_passages: int, sentences: list[str], seed: int = 7) -> Path:
    rng = random.Random(seed)
    folder.mkdir(parents=True)
    per_file = 500
    for f in range(0, n_passages, per_file):
        lines = [f"第{f // per_file + 1} 合成章"]
        for i in range(f, min(f + per_file, n_passages)):
            ch, no = divmod(i, 1000)
            lines.append(f"問{ch + 1}-{no + 1} 合成問答{i}")
            lines.append("(問) " + "".join(rng.sample(sentences, 2)))
            lines.append("(答) " + "".join(rng.sample(sentences, 3)))
        (folder / f"syn{f // per_file:04d}.txt").write_text("\n".join(lines), encoding="utf-8")
    return folder


def _ask_command(home: Path, model: str, *flags: str) -> tuple[list[str], dict]:
    """`kb-bot ask` as a fresh process, running this checkout's code."""
    env = {**os.environ, "KB_BOT_HOME": str(home), "KB_BOT_EMBED_MODEL": model, "PYTHONPATH": str(ROOT)}
    return [sys.executable, *flags, "-m", "kb_bot.cli", "ask", "--json", "63条と78条の違いは"], env


def cold_ask(home: Path, model: str = "none", runs: int = 5) -> list[float]:
    cmd, env = _ask_command(home, model)
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        subprocess.run(cmd, env=env, cwd=ROOT, check=True, capture_output=True)
        times.append(time.perf_counter() - t)
    return times


def cold_imports(home: Path, model: str = "none") -> dict:
    """`python -X importtime` of a cold `kb-bot ask`: total import time, heaviest top-level imports, llama-index."""
    cmd, env = _ask_command(home, model, "-X", "importtime")
    err = subprocess.run(cmd, env=env, cwd=ROOT, check=True, capture_output=True, text=True).stderr
    rows = []  # (module, self µs, cumulative µs, imported at top level)
    for line in err.splitlines():
        if line.startswith("import time:") and "self [us]" not in line:
            self_us, cumulative_us, name = line.removeprefix("import time:").split("|")
            rows.append((name.strip(), int(self_us), int(cumulative_us), not name.startswith("   ")))
    top = sorted((r for r in rows if r[3]), key=lambda r: -r[2])[:5]
    return {"total_ms": round(sum(r[1] for r in rows) / 1000),
            "llama_index_modules": sum(r[0].startswith("llama_index") for r in rows),
            "top": {name: round(cum / 1000) for name, _, cum, _ in top}}


def warm_latency(home: Path, model: str = "none", repeats: int = 20) -> dict:
    """Default mode: hybrid where the index has vectors and the model loads, else lexical (reported)."""
    searcher = Searcher(settings_for(home, model))
    searcher.search("準備")  # load the version (and the model)
    times = []
    for _ in range(repeats):
        for q in QUESTIONS:
            t = time.perf_counter()
            result = searcher.search(q)
            times.append((time.perf_counter() - t) * 1000)
    return {"mode": result.mode, "p50_ms": round(pct(times, 0.5), 1), "p95_ms": round(pct(times, 0.95), 1),
            "n": len(times)}


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", type=int, nargs="+", default=[10000, 50000])
    ap.add_argument("--pdf-pages", type=int, default=320)
    ap.add_argument("--model", default="use-multilingual-v3", help="dense model for the hybrid measures")
    ap.add_argument("--hybrid-sizes", type=int, nargs="*", default=[10000],
                    help="synthetic corpus sizes also built with vectors (embedding is the slow part)")
    ap.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results")
    args = ap.parse_args()
    results: dict = {"machine": f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"}
    with tempfile.TemporaryDirectory() as tmpdir:
        tmp = Path(tmpdir)
        sentences = sample_sentences(tmp)
        cold = cold_ask(tmp / "sample")
        results["cold_ask_s"] = {"median": round(statistics.median(cold), 2), "max": round(max(cold), 2)}
        results["cold_ask_imports"] = cold_imports(tmp / "sample")
        results["sample_corpus_warm"] = warm_latency(tmp / "sample")
        print("cold ask", results["cold_ask_s"], results["cold_ask_imports"], "warm", results["sample_corpus_warm"],
              flush=True)

        t = time.perf_counter()
        report = ingest(CORPUS, settings_for(tmp / "hybrid", args.model), progress=False)
        secs = time.perf_counter() - t
        results["sample_hybrid"] = {
            "model": args.model, "mode": report.retrieval_mode, "passages": report.passages,
            "full_build_s": round(secs, 1), "warm": warm_latency(tmp / "hybrid", args.model),
            "cold_ask_s": round(statistics.median(cold_ask(tmp / "hybrid", args.model, runs=3)), 2),
        }
        print("hybrid", results["sample_hybrid"], flush=True)

        for n, model in [(n, "none") for n in args.sizes] + [(n, args.model) for n in args.hybrid_sizes]:
            key = f"synthetic_{n}" if model == "none" else f"synthetic_{n}_hybrid"
            src = synthetic_corpus(tmp / key, n, sentences)
            home = tmp / f"home-{key}"
            t = time.perf_counter()
            report = ingest([src], settings_for(home, model), progress=False)
            build = time.perf_counter() - t
            entry = {"passages": report.passages, "full_build_s": round(build, 1), **warm_latency(home, model)}
            if n == 10000:
                notice = src / "syn0003.txt"
                notice.write_text(notice.read_text(encoding="utf-8") + "\n問99-1 改正\n(問) 改正点\n(答) 分納の取扱いを改めた。",
                                  encoding="utf-8")
                t = time.perf_counter()
                again = ingest([src], settings_for(home, model), progress=False)
                entry["reingest_one_changed_doc_s"] = round(time.perf_counter() - t, 2)
                entry["reingest_changed_docs"] = len(again.changed_docs)
            results[key] = entry
            print(key, entry, flush=True)

        pdf_dir = tmp / "pdf"
        pdf_dir.mkdir()
        rng = random.Random(3)
        lines = ["第1 合成章"]
        for i in range(args.pdf_pages * 8):
            lines += [f"問1-{i + 1} 合成", "(問) " + rng.choice(sentences), "(答) " + "".join(rng.sample(sentences, 2))]
        pages = write_pdf(pdf_dir / "book.pdf", lines, header="合成問答集（ベンチマーク用）", footer="kb-bot benchmark")
        t = time.perf_counter()
        report = ingest([pdf_dir], settings_for(tmp / "pdfhome"), collection="casebook", progress=False)
        secs = time.perf_counter() - t
        results["pdf_ingest"] = {"pages": pages, "passages": report.passages, "seconds": round(secs, 1),
                                 "pages_per_s": round(pages / secs, 1), "passages_per_s": round(report.passages / secs, 1)}
        print("pdf", results["pdf_ingest"], flush=True)

    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "retrieval.json").write_text(json.dumps(results, ensure_ascii=False, indent=1))
    imports, hyb = results["cold_ask_imports"], results["sample_hybrid"]
    md = ["# Retrieval benchmark", "",
          f"Machine: {results['machine']}. Lexical mode unless the row says hybrid ({hyb['model']}).", "",
          "| measure | value |", "| --- | --- |",
          f"| cold `kb-bot ask` on the sample corpus, lexical (median / max of 5) | {results['cold_ask_s']['median']} s / {results['cold_ask_s']['max']} s |",
          f"| its imports (`-X importtime`): total / llama_index modules | {imports['total_ms']} ms / {imports['llama_index_modules']} |",
          "| heaviest top-level imports | " + ", ".join(f"{k} {v} ms" for k, v in imports["top"].items()) + " |",
          f"| warm query, sample corpus (p50 / p95) | {results['sample_corpus_warm']['p50_ms']} ms / {results['sample_corpus_warm']['p95_ms']} ms |",
          f"| warm query, sample corpus, {hyb['warm']['mode']} (p50 / p95) | {hyb['warm']['p50_ms']} ms / {hyb['warm']['p95_ms']} ms |",
          f"| cold `kb-bot ask`, sample corpus, {hyb['mode']} (median of 3) | {hyb['cold_ask_s']} s |",
          f"| full build with vectors, sample corpus ({hyb['passages']} passages) | {hyb['full_build_s']} s |"]
    for key in [f"synthetic_{n}" for n in args.sizes] + [f"synthetic_{n}_hybrid" for n in args.hybrid_sizes]:
        e = results[key]
        what = f"{e['passages']} passages, {e['mode']}"
        md.append(f"| warm query, {what} (p50 / p95) | {e['p50_ms']} ms / {e['p95_ms']} ms |")
        md.append(f"| full build, {what} | {e['full_build_s']} s |")
        if "reingest_one_changed_doc_s" in e:
            md.append(f"| re-ingest one changed document in {what} | {e['reingest_one_changed_doc_s']} s |")
    p = results["pdf_ingest"]
    md.append(f"| PDF ingest, {p['pages']} pages → {p['passages']} passages | {p['seconds']} s "
              f"({p['pages_per_s']} pages/s, {p['passages_per_s']} passages/s) |")
    (args.out / "retrieval.md").write_text("\n".join(md) + "\n")
    print("\n".join(md))
    return 0


if __name__ == "__main__":
    sys.exit(main())
