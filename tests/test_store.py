import os
import subprocess
import sys

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
    with store.lock():
        with pytest.raises(IngestLocked, match="実行中"):
            with store.lock():
                pass
    with store.lock():  # released
        pass


def test_stale_lock_of_a_dead_process_is_taken_over(tmp_path):
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    (tmp_path / "ingest.lock").write_text(dead.stdout.strip())
    with IndexStore(tmp_path).lock():
        assert (tmp_path / "ingest.lock").read_text() == str(os.getpid())
