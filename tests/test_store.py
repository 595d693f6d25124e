import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from kb_bot.index.store import DocRecord, IndexStore, IngestLocked, in_force, validity
from kb_bot.passage import DocumentMeta


def _doc(source, effective="", replaces=(), status="in_force"):
    meta = DocumentMeta(source=source, collection="notices", kind="notice", title=source, effective=effective,
                        replaces=tuple(replaces), status=status)
    return DocRecord(meta, "hash-" + source, ())


def test_replacement_ends_the_old_version_the_day_the_new_one_applies():
    docs = {d.meta.source: d for d in [
        _doc("notices/bunno-2020.md", effective="2020-04-01"),
        _doc("notices/bunno-2025.md", effective="2025-04-01", replaces=["bunno-2020.md"]),
        _doc("notices/other.md"),
    ]}
    periods = validity(docs)
    assert periods["notices/bunno-2020.md"] == ("2020-04-01", "2025-04-01")
    assert in_force(periods["notices/bunno-2020.md"], "2025-03-31")
    assert not in_force(periods["notices/bunno-2020.md"], "2025-04-01")
    assert in_force(periods["notices/bunno-2025.md"], "2025-04-01")
    assert not in_force(periods["notices/bunno-2025.md"], "2024-12-31")
    assert in_force(periods["notices/other.md"], "1990-01-01")


def test_superseded_without_successor_is_not_in_force():
    periods = validity({"a": _doc("a", status="superseded")})
    assert not in_force(periods["a"], "2026-01-01")


def test_lock_refuses_a_second_ingest(tmp_path):
    store = IndexStore(tmp_path)
    with store.lock(), pytest.raises(IngestLocked, match="実行中"), store.lock():
        pass
    with store.lock():  # released
        pass


def test_stale_lock_of_a_dead_process_is_taken_over(tmp_path):
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    (tmp_path / "ingest.lock").write_text(dead.stdout.strip())
    with IndexStore(tmp_path).lock():
        assert json.loads((tmp_path / "ingest.lock").read_text())["pid"] == os.getpid()


def _start_time(pid: int) -> str:
    return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[19]


def test_lock_records_the_pid_and_the_process_start_time(tmp_path):
    with IndexStore(tmp_path).lock():
        holder = json.loads((tmp_path / "ingest.lock").read_text())
    assert holder == {"pid": os.getpid(), "started": _start_time(os.getpid())}


def test_stale_lock_naming_an_unrelated_live_process_is_taken_over(tmp_path):
    # The PID was reused: it is alive (our parent, pytest's launcher) but started at another time.
    other = os.getppid()
    (tmp_path / "ingest.lock").write_text(json.dumps({"pid": other, "started": str(int(_start_time(other)) + 1)}))
    with IndexStore(tmp_path).lock():
        assert json.loads((tmp_path / "ingest.lock").read_text())["pid"] == os.getpid()
    # an old-style lock holding only the PID of a live process is still respected
    (tmp_path / "ingest.lock").write_text(str(other))
    with pytest.raises(IngestLocked, match=f"プロセス {other}"), IndexStore(tmp_path).lock():
        pass


def test_lock_of_a_live_ingest_is_respected(tmp_path):
    (tmp_path / "ingest.lock").write_text(json.dumps({"pid": os.getppid(), "started": _start_time(os.getppid())}))
    with pytest.raises(IngestLocked, match="実行中"), IndexStore(tmp_path).lock():
        pass
