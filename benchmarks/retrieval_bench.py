"""Retrieval benchmarks: cold `kb-bot ask`, warm query latency at 10k/50k passages, PDF ingest
throughput, and re-ingesting one changed notice in a 10k-passage index.

    python benchmarks/retrieval_bench.py [--sizes 10000 50000] [--out benchmarks/results]

Synthetic corpora are built from the sentences of the bundled sample corpus, recombined into
問/答 units, so token statistics stay Japanese and domain-like. Lexical mode (what every machine runs).
Results are printed and written to <out>/retrieval.json and <out>/retrieval.md.
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
    return values[min(len(values) - 1, int(round(q * (len(values) - 1))))]


def settings_for(home: Path):
    os.environ["KB_BOT_EMBED_MODEL"] = "none"
    return load_settings(home=home)


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


def cold_ask(home: Path, runs: int = 5) -> list[float]:
    env = {**os.environ, "KB_BOT_HOME": str(home), "KB_BOT_EMBED_MODEL": "none"}
    exe = Path(sys.executable).with_name("kb-bot")
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        subprocess.run([str(exe), "ask", "--json", "63条と78条の違いは"], env=env, check=True, capture_output=True)
        times.append(time.perf_counter() - t)
    return times


def warm_latency(home: Path, repeats: int = 20) -> dict:
    searcher = Searcher(settings_for(home))
    searcher.search("準備")  # load the version
    times = []
    for _ in range(repeats):
        for q in QUESTIONS:
            t = time.perf_counter()
            searcher.search(q)
            times.append((time.perf_counter() - t) * 1000)
    return {"p50_ms": round(pct(times, 0.5), 1), "p95_ms": round(pct(times, 0.95), 1), "n": len(times)}


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", type=int, nargs="+", default=[10000, 50000])
    ap.add_argument("--pdf-pages", type=int, default=320)
    ap.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results")
    args = ap.parse_args()
    results: dict = {"machine": f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"}
    with tempfile.TemporaryDirectory() as tmpdir:
        tmp = Path(tmpdir)
        sentences = sample_sentences(tmp)
        cold = cold_ask(tmp / "sample")
        results["cold_ask_s"] = {"median": round(statistics.median(cold), 2), "max": round(max(cold), 2)}
        results["sample_corpus_warm"] = warm_latency(tmp / "sample")
        print("cold ask", results["cold_ask_s"], "warm", results["sample_corpus_warm"], flush=True)

        for n in args.sizes:
            src = synthetic_corpus(tmp / f"syn{n}", n, sentences)
            home = tmp / f"home{n}"
            t = time.perf_counter()
            report = ingest([src], settings_for(home), progress=False)
            build = time.perf_counter() - t
            entry = {"passages": report.passages, "full_build_s": round(build, 1), **warm_latency(home)}
            if n == 10000:
                notice = src / "syn0003.txt"
                notice.write_text(notice.read_text(encoding="utf-8") + "\n問99-1 改正\n(問) 改正点\n(答) 分納の取扱いを改めた。",
                                  encoding="utf-8")
                t = time.perf_counter()
                again = ingest([src], settings_for(home), progress=False)
                entry["reingest_one_changed_doc_s"] = round(time.perf_counter() - t, 2)
                entry["reingest_changed_docs"] = len(again.changed_docs)
            results[f"synthetic_{n}"] = entry
            print(n, entry, flush=True)

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
    md = ["# Retrieval benchmark", "", f"Machine: {results['machine']}. Lexical mode.", "",
          "| measure | value |", "| --- | --- |",
          f"| cold `kb-bot ask` on the sample corpus (median / max of 5) | {results['cold_ask_s']['median']} s / {results['cold_ask_s']['max']} s |",
          f"| warm query, sample corpus (p50 / p95) | {results['sample_corpus_warm']['p50_ms']} ms / {results['sample_corpus_warm']['p95_ms']} ms |"]
    for n in args.sizes:
        e = results[f"synthetic_{n}"]
        md.append(f"| warm query, {e['passages']} passages (p50 / p95) | {e['p50_ms']} ms / {e['p95_ms']} ms |")
        md.append(f"| full build, {e['passages']} passages | {e['full_build_s']} s |")
        if "reingest_one_changed_doc_s" in e:
            md.append(f"| re-ingest one changed document in {e['passages']} passages | {e['reingest_one_changed_doc_s']} s |")
    p = results["pdf_ingest"]
    md.append(f"| PDF ingest, {p['pages']} pages → {p['passages']} passages | {p['seconds']} s "
              f"({p['pages_per_s']} pages/s, {p['passages_per_s']} passages/s) |")
    (args.out / "retrieval.md").write_text("\n".join(md) + "\n")
    print("\n".join(md))
    return 0


if __name__ == "__main__":
    sys.exit(main())
