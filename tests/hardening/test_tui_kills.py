"""The TUI killed while it saves an edit or applies a bulk stage change: all of a change, with its
audit rows, or none of it.

Each generation takes a warm child (tui_kill_worker.py) that runs the real app headless on the
same database and triages through Pilot: bulk stage changes of several selected rows (or the
whole page), single-row stage keys, and edit-form saves of 2–6 fields. Before each key that
writes, the child logs its intent (contacts, their current values, the new values) to a side
file, flushed; when the service call returns, ``committed``; after the key is handled, ``done``.
The test SIGKILLs the child 0–4, 0–50 or 0–250 ms after its n-th intent (n random, 1–4), or for one
generation in four at a plainly random moment, and then checks the file with plain sqlite3:

* ``PRAGMA integrity_check`` and ``foreign_key_check`` are clean;
* the audit log's stage and field changes, grouped by transaction (one timestamp per
  transaction), are exactly the intents' changes, in order: each intent marked ``committed``
  is there in full, the last intent of a killed child is there in full or not at all, and
  there is no other change (nothing partial, nothing without its intent);
* for every contact, its stage is the newValue of its last stage_changed row (its initial
  stage if none), and each edited field (last name, title, phone, notes, tags, email opt-out)
  is the newValue of its last "updated" row (its initial value if none).
"""

from __future__ import annotations

import json
import sqlite3
import time
from datetime import datetime
from collections import Counter
from pathlib import Path
from random import Random
from typing import Any

from parsalink_tui.demo import fill_demo
from parsalink_tui.service import Service

from .conftest import record_peak, tally
from .crash_support import HERE, WarmPool, integrity, raw, run_seed, sigkill, tags_by_pk

WORKER = HERE / "tui_kill_worker.py"
KILLS = 12
DEMO_CONTACTS = 300
FIELDS = ("stage", "lastName", "title", "phone", "notes", "tags", "emailOptOut")


def canon(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True)


def state(conn: sqlite3.Connection) -> dict[str, dict[str, Any]]:
    """Every contact's triaged and edited fields, as the API shows them."""
    tags = tags_by_pk(conn)
    return {
        cid: {
            "stage": stage,
            "lastName": last,
            "title": title,
            "phone": phone,
            "notes": notes,
            "tags": list(tags.get(pk, ())),
            "emailOptOut": bool(opt_out),
        }
        for cid, pk, stage, last, title, phone, notes, opt_out in conn.execute(
            "SELECT id, pk, stage, last_name, title, phone, notes, email_opt_out FROM contact"
        )
    }


Change = tuple[str, str, str, str]  # (contact id, field, old JSON, new JSON)


def transactions(conn: sqlite3.Connection) -> list[frozenset[Change]]:
    """Stage and field changes from the audit log, one set per transaction, in commit order."""
    return [changes for _, changes in timed_transactions(conn)]


def timed_transactions(conn: sqlite3.Connection) -> list[tuple[float, frozenset[Change]]]:
    """:func:`transactions` with each one's commit time (epoch seconds, from its audit rows)."""
    groups: list[tuple[str, set[Change]]] = []
    for cid, field, old, new, at in conn.execute(
        "SELECT contact_id, field, old_value, new_value, created_at FROM activity "
        "WHERE action IN ('stage_changed', 'updated') ORDER BY id"
    ):
        change = (cid, field, canon(json.loads(old) if old else None), canon(json.loads(new) if new else None))
        if not groups or groups[-1][0] != at:
            groups.append((at, set()))
        groups[-1][1].add(change)
    return [(datetime.fromisoformat(at.replace("Z", "+00:00")).timestamp(), frozenset(changes)) for at, changes in groups]


def expected(intent: dict[str, Any]) -> frozenset[Change]:
    if intent["kind"] == "stage":
        return frozenset(
            (cid, "stage", canon(intent["before"][cid]), canon(intent["stage"]))
            for cid in intent["ids"] if intent["before"][cid] != intent["stage"]
        )  # fmt: skip
    return frozenset(
        (intent["id"], name, canon(intent["before"][name]), canon(value))
        for name, value in intent["fields"].items() if intent["before"][name] != value
    )  # fmt: skip


def read_log(path: Path) -> dict[int, list[dict[str, Any]]]:
    """Intents per generation, each with ``committed`` (the service call returned) and ``done``
    (the key was handled) set from the log."""
    out: dict[int, list[dict[str, Any]]] = {}
    if not path.exists():
        return out
    cut = 0
    for line in path.read_text(encoding="utf-8").split("\n"):
        if not line:
            continue
        try:
            entry = json.loads(line)
        except ValueError:
            # The entry a child was writing when it was killed (its key was not pressed yet).
            cut += 1
            continue
        intents = out.setdefault(entry["gen"], [])
        if entry["event"] == "intent":
            intents.append({**entry, "committed": False, "done": False})
        elif entry["event"] == "committed":
            assert intents and not intents[-1]["committed"]
            intents[-1]["committed"] = True
        elif entry["event"] == "done":
            assert intents and intents[-1]["seq"] == entry["seq"]
            intents[-1]["done"] = True
            assert entry.get("saved", True), f"the form refused a valid edit: {intents[-1]}"
    assert cut <= len(out), f"{cut} cut log entries: more than one per killed child"
    return out


def check(db: Path, log: Path, initial: dict[str, dict[str, Any]], context: str) -> str:
    """The checks in the module docstring; returns what became of the killed child's last intent."""
    with raw(db) as conn:
        integrity(conn)
        timed = timed_transactions(conn)
        groups = [changes for _, changes in timed]
        now = state(conn)
        last: dict[tuple[str, str], Any] = {}
        for cid, field, new in conn.execute(
            "SELECT contact_id, field, new_value FROM activity WHERE action IN ('stage_changed', 'updated') ORDER BY id"
        ):
            last[(cid, field)] = json.loads(new) if new else None
    by_gen = read_log(log)
    gens = sorted(by_gen)
    # When a generation is killed before its last change commits and the next one happens to make
    # the very same change (same contacts, same stage), the commit belongs to whichever intent was
    # logged before it: a generation's intent cannot own a commit made after the next one began.
    began = {gen: min((i["t"] for i in by_gen[gen]), default=float("inf")) for gen in gens}
    at = 0
    fate = "no intent yet"
    for g, gen in enumerate(gens):
        intents = by_gen[gen]
        next_began = began[gens[g + 1]] if g + 1 < len(gens) else float("inf")
        for n, intent in enumerate(intents):
            want = expected(intent)
            final = n == len(intents) - 1
            if not want:
                fate = "no-op"
                continue
            if at < len(groups) and groups[at] == want and timed[at][0] < next_began:
                at += 1
                if intent["done"]:
                    fate = "done"
                elif intent["committed"]:
                    fate = "committed, killed before the screen showed it"
                else:
                    fate = "committed, killed before the service call returned"
                continue
            got = sorted(groups[at]) if at < len(groups) else None
            assert final and not intent["committed"], (
                f"{context}: gen {gen} intent {intent['seq']} ({intent['kind']}) is not in the database as a "
                f"whole: expected {sorted(want)}, next transaction {got}"
            )
            fate = "not committed (killed before or during the transaction)"
    assert at == len(groups), f"{context}: changes no intent explains (partial or stray): {sorted(groups[at])[:5]}"
    for cid, fields in now.items():
        for name in FIELDS:
            want_value = last.get((cid, name), initial[cid][name])
            assert fields[name] == want_value, (
                f"{context}: {cid}.{name} is {fields[name]!r} but its audit log ends at {want_value!r}"
            )
    tally("TUI kills: transactions matched to logged intents", at)
    return fate


def test_tui_killed_while_saving_and_bulk_changing(tmp_path: Path) -> None:
    seed = run_seed("TUI kills")
    rng = Random(seed)
    db = tmp_path / "triage.db"
    service = Service.open(db)
    try:
        fill_demo(service.db, contacts=DEMO_CONTACTS, seed=1)
    finally:
        service.close()
    with raw(db) as conn:
        initial = state(conn)
    log = tmp_path / "intents.jsonl"
    pool = WarmPool(WORKER, str(db))
    fates: Counter[str] = Counter()
    started = time.monotonic()
    try:
        for gen in range(1, KILLS + 1):
            child = pool.take(json.dumps({"log": str(log), "seed": seed * 1000 + gen, "gen": gen}))
            if rng.random() < 0.25:
                time.sleep(rng.uniform(0, 1.5))  # any moment: navigation, selection, a write
            else:
                target = rng.randint(1, 4)
                deadline = time.monotonic() + 30
                while len(read_log(log).get(gen, [])) < target:
                    assert child.poll() is None, child.stderr.read() if child.stderr else ""
                    assert time.monotonic() < deadline, "the child stopped triaging"
                    time.sleep(0.002)
                # A stage change commits 1-3 ms after its intent, an edit 10-50 ms after (the form
                # checks the fields first); the screen then updates for 50-250 ms.
                time.sleep(rng.choice((0.004, 0.05, 0.25)) * rng.random())
            assert sigkill(child), child.stderr.read() if child.stderr else "the child exited by itself"
            fates[check(db, log, initial, f"seed {seed}, generation {gen}")] += 1
    finally:
        pool.close()
    seconds = time.monotonic() - started
    intents = [i for gen in read_log(log).values() for i in gen]
    print(f"TUI kills (seed {seed}): {dict(fates)}; {len(intents)} intents in {seconds:.1f} s")
    tally("TUI kills survived", KILLS)
    for fate, n in fates.items():
        tally(f"TUI kills: · last change {fate}", n)
    tally("TUI kills: bulk/single stage changes and edit saves logged", len(intents))
    tally("TUI kills: · edit-form saves", sum(i["kind"] == "edit" for i in intents))
    tally("TUI kills: · bulk stage changes (2+ contacts)", sum(i["kind"] == "stage" and len(i["ids"]) > 1
                                                             for i in intents))  # fmt: skip
    record_peak("TUI kills: seconds for the whole harness", round(seconds, 1))
    # The kills must land in both places that matter, around and inside the writes.
    assert fates["done"] + fates["no-op"] < KILLS, dict(fates)
