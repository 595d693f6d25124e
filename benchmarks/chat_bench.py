"""Chat benchmark (not a test). Numbers go into docs/chat.md.

1. **Server-side turn time** (extractive mode): ``ChatService.ask`` in-process on the bundled sample corpus —
   search, answer + checklist composition, SV確認済み回答 lookup, flag rules and the database write — p50/p95
   over a set of realistic CW questions. Target: p95 < 300 ms.
2. **Load**: the real app (``python app.py --demo``) in a subprocess; N simulated CWs (default 20), each
   logged in with its own account, ask questions back to back, without pause, through the app's queue
   exactly as the page does, for a fixed time (default 60 s). Reports turns, errors and end-to-end latency.

    python benchmarks/chat_bench.py                      # both parts
    python benchmarks/chat_bench.py --only turn --rounds 20
    python benchmarks/chat_bench.py --only load --users 20 --seconds 60

The index is lexical unless ``--embed-model`` names a sentence-transformers model available offline.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

QUESTIONS = [
    "63条と78条の違いは",
    "保険金を申告せずに使ってしまった場合、63条と78条のどちらになりますか",
    "自立更生費として返還額から控除できるものは",
    "冷蔵庫の買い替えは自立更生費として認められるか",
    "年金をさかのぼって受給した場合の返還額の決め方",
    "課税調査で未申告の就労収入が見つかったときの対応",
    "78条の徴収金に加算できる額の上限は",
    "保護費から徴収金を差し引くための申出とは",
    "返還金の分割納付は認められるか",
    "徴収金の時効は何年か",
    "相続で財産を得た場合の資力の発生時期",
    "交通事故の損害保険金を受け取ったときの扱い",
    "世帯分離が認められる場合",
    "自動車の保有が認められる場合",
    "介護保険料加算の変更の手続",
    "就労収入の勤労控除は返還額の算定で考慮されるか",
    "不正受給の告訴を検討する基準",
    "破産した場合の徴収金の扱い",
    "生命保険の解約返戻金は資産になるか",
    "申告の義務をどう説明して記録するか",
]


from kb_bot import DISCLAIMER  # noqa: E402


def pct(values: list[float], p: float) -> float:
    s = sorted(values)
    k = max(0, min(len(s) - 1, round(p / 100 * (len(s) - 1))))
    return s[k]


def prepare_home(home: Path, embed_model: str) -> None:
    """Ingest the sample corpus into ``home`` (the app's --demo would do the same)."""
    os.environ["KB_BOT_HOME"] = str(home)
    os.environ["KB_BOT_EMBED_MODEL"] = embed_model
    from ingest.pipeline import ingest
    from kb_bot.settings import load_settings

    folders = sorted(p for p in (REPO / "corpus").iterdir() if (p / "manifest.toml").exists())
    ingest(folders, load_settings(), progress=False)


def bench_turn(rounds: int, embed_model: str) -> dict:
    from kb_bot import users
    from kb_bot.chat.service import ChatService
    from kb_bot.db import open_database, session_scope
    from kb_bot.settings import load_settings

    home = Path(tempfile.mkdtemp(prefix="kbbot-bench-"))
    prepare_home(home, embed_model)
    settings = load_settings()
    engine = open_database(settings.db_url)
    with session_scope(engine) as s:
        sv = users.add_user(s, "sv", "sv", actor="bench")
        team = users.add_team(s, "bench", sv, actor="bench")
        cw = users.add_user(s, "cw", "cw", actor="bench", team=team)
        cw_id = cw.id
    svc = ChatService(settings, engine)
    for q in QUESTIONS[:5]:  # warm-up: index load, MeCab
        svc.ask(cw_id, q)
    totals, parts = [], {"answer_ms": [], "office_ms": []}
    for _ in range(rounds):
        for q in QUESTIONS:
            t = time.perf_counter()
            r = svc.ask(cw_id, q)
            totals.append((time.perf_counter() - t) * 1000)
            for k in parts:
                parts[k].append(r.timings.get(k, 0.0))
    return {
        "turns": len(totals), "retrieval_mode": r.answer.retrieval_mode,
        "p50_ms": round(pct(totals, 50), 1), "p95_ms": round(pct(totals, 95), 1), "max_ms": round(max(totals), 1),
        **{f"{k.removesuffix('_ms')}_p50_ms": round(pct(v, 50), 1) for k, v in parts.items()},
    }


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def bench_load(n_users: int, seconds: float, embed_model: str) -> dict:
    import httpx

    from kb_bot import users
    from kb_bot.commands.serve import ensure_demo_users
    from kb_bot.db import open_database, session_scope
    from kb_bot.settings import load_settings

    home = Path(tempfile.mkdtemp(prefix="kbbot-load-"))
    prepare_home(home, embed_model)
    engine = open_database(load_settings().db_url)
    ensure_demo_users(engine)
    names = [f"bench{i:02d}" for i in range(n_users)]
    with session_scope(engine) as s:
        team = users.get_team(s, "第1班")
        for n in names:
            users.add_user(s, n, "cw", actor="bench", password=f"{n}-password", team=team)
    engine.dispose()

    port = _free_port()
    env = {**os.environ, "KB_BOT_HOME": str(home), "KB_BOT_EMBED_MODEL": embed_model, "PYTHONUNBUFFERED": "1"}
    log = open(home / "server.log", "w")  # noqa: SIM115
    proc = subprocess.Popen([sys.executable, "app.py", "--demo", "--port", str(port)], cwd=REPO, env=env,
                            stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(240):
            try:
                if httpx.get(base + "/healthz", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            time.sleep(0.5)
        else:
            raise SystemExit("the app did not start: " + (home / "server.log").read_text())

        latencies: list[float] = []
        errors: list[str] = []
        lock = threading.Lock()
        stop_at = time.monotonic() + seconds
        start = threading.Barrier(n_users)

        def worker(i: int, name: str) -> None:
            """One CW in one browser tab: logs in, then asks through the queue as the page does
            (POST /gradio_api/queue/join with the page's session hash, answer streamed from /queue/data)."""
            with httpx.Client(base_url=base, timeout=60, trust_env=False) as c:
                r = c.post("/login", data={"username": name, "password": f"{name}-password"}, follow_redirects=False)
                if r.status_code != 303:
                    with lock:
                        errors.append(f"login {name}: {r.status_code}")
                    return
                dep = next(d for d in c.get("/config").json()["dependencies"] if d.get("api_name") == "ask")
                session_hash = uuid.uuid4().hex[:11]
                start.wait()
                k = i
                while time.monotonic() < stop_at:
                    q = QUESTIONS[k % len(QUESTIONS)]
                    k += 1
                    t = time.perf_counter()
                    try:
                        ev = c.post("/gradio_api/queue/join", json={
                            "data": [q], "event_data": None, "fn_index": dep["id"],
                            "trigger_id": dep["targets"][0][0], "session_hash": session_hash})
                        ev.raise_for_status()
                        event_id = ev.json()["event_id"]
                        final = None
                        with c.stream("GET", "/gradio_api/queue/data", params={"session_hash": session_hash}) as s:
                            for line in s.iter_lines():
                                if not line.startswith("data:"):
                                    continue
                                m = json.loads(line[5:])
                                if m.get("msg") == "process_completed" and m.get("event_id") == event_id:
                                    final = m
                                    break
                                if m.get("msg") in ("close_stream", "unexpected_error"):
                                    break
                        if final is None or not final.get("success", True):
                            raise RuntimeError(f"no answer: {str(final)[:200]}")
                        html = final["output"]["data"][0]
                        if "kb-answer" not in html:
                            raise RuntimeError(f"no answer: {html[:200]}")
                        if DISCLAIMER not in html:
                            raise RuntimeError("answer without the disclaimer")
                    except Exception as e:  # noqa: BLE001 - every failure counts as an error
                        with lock:
                            errors.append(f"{name}: {type(e).__name__}: {e}")
                        continue
                    with lock:
                        latencies.append((time.perf_counter() - t) * 1000)

        threads = [threading.Thread(target=worker, args=(i, n)) for i, n in enumerate(names)]
        began = time.monotonic()
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        elapsed = time.monotonic() - began
        server_errors = [line for line in (home / "server.log").read_text().splitlines()
                         if re.search(r"Traceback|ERROR|Exception", line)]
        return {
            "users": n_users, "seconds": round(elapsed, 1), "turns": len(latencies), "errors": len(errors),
            "error_samples": errors[:5], "server_log_errors": len(server_errors),
            "turns_per_s": round(len(latencies) / elapsed, 1) if elapsed else 0,
            "p50_ms": round(pct(latencies, 50), 1) if latencies else None,
            "p95_ms": round(pct(latencies, 95), 1) if latencies else None,
        }
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--only", choices=["turn", "load"])
    ap.add_argument("--rounds", type=int, default=10, help="passes over the question set (turn benchmark)")
    ap.add_argument("--users", type=int, default=20)
    ap.add_argument("--seconds", type=float, default=60)
    ap.add_argument("--embed-model", default="none")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    out = {}
    if args.only in (None, "turn"):
        out["turn"] = bench_turn(args.rounds, args.embed_model)
        if not args.json:
            t = out["turn"]
            print(f"chat turn (extractive, {t['retrieval_mode']}, {t['turns']} turns): p50 {t['p50_ms']} ms, "
                  f"p95 {t['p95_ms']} ms, max {t['max_ms']} ms  [search p50 {t['search_p50_ms']} ms, compose p50 "
                  f"{t['compose_p50_ms']} ms, SV確認済み回答 p50 {t['office_p50_ms']} ms]", flush=True)
    if args.only in (None, "load"):
        out["load"] = bench_load(args.users, args.seconds, args.embed_model)
        if not args.json:
            x = out["load"]
            print(f"load ({x['users']} CWs, {x['seconds']} s): {x['turns']} turns, {x['turns_per_s']} turns/s, "
                  f"errors {x['errors']} (server log {x['server_log_errors']}), p50 {x['p50_ms']} ms, p95 {x['p95_ms']} ms")
            for e in x["error_samples"]:
                print("  ", e)
    if args.json:
        print(json.dumps(out, ensure_ascii=False, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
