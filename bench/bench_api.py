"""The HTTP API under load (run by hand; not a test).

    python bench/bench_api.py                       # 100k demo contacts, 8 clients, 10 s a case, 30 s load run
    python bench/bench_api.py --seconds 5 --load-seconds 10

Starts ``parsalink-tui serve`` as its own process on a demo database (built once with
``parsalink-tui --db F demo --contacts N``) and drives it with keep-alive httpx clients, one
thread each:

1. Throughput: for ``GET /api/contacts/?limit=20``, a search, ``GET /api/contacts/{id}/``,
   ``POST`` and ``PATCH``, ``--clients`` clients for ``--seconds``: requests/s, p50 and p99.
2. Overhead: one client, one request at a time, against the same ``Service`` call made in this
   process on the same file: the p50 difference is what HTTP adds (target: <= 2 ms).
3. Load: ``--clients`` clients create, patch and delete their own contacts for
   ``--load-seconds`` while CSV imports run in the server's worker. Then: errors (any answer
   other than the expected status), "database is locked" anywhere, and whether the contact
   count and the audit rows match what the clients were told.
"""

from __future__ import annotations

import argparse
import os
import random
import re
import shutil
import signal
import sqlite3
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx

from parsalink_tui.service import Service

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "bench" / "out"


def build(size: int) -> Path:
    """A fresh copy of the demo database (built once): every run starts at ``size`` contacts."""
    base, path = OUT / f"api-{size}.base.db", OUT / f"api-{size}.db"
    if not base.exists():
        OUT.mkdir(exist_ok=True)
        subprocess.run([sys.executable, "-m", "parsalink_tui", "--db", str(base), "demo", "--contacts", str(size)],
                       check=True, stdout=subprocess.DEVNULL)  # fmt: skip
    for leftover in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
        leftover.unlink(missing_ok=True)
    shutil.copyfile(base, path)
    return path


def start_server(db: Path) -> tuple[subprocess.Popen[str], str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen([sys.executable, "-m", "parsalink_tui", "--db", str(db), "serve", "--port", "0"],
                            env=env, stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True)  # fmt: skip
    assert proc.stderr is not None
    for line in proc.stderr:
        match = re.search(r"(http://\S+/)", line)
        if match:
            threading.Thread(target=lambda: [sys.stderr.write("server: " + ln) for ln in proc.stderr], daemon=True).start()  # type: ignore[union-attr]
            return proc, match.group(1)
    raise SystemExit("serve did not start")


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else float("nan")


def run_clients(url: str, headers: dict[str, str], clients: int, seconds: float,
                step: Callable[[httpx.Client, int, int], None]) -> tuple[int, list[float], list[str]]:  # fmt: skip
    """``clients`` threads calling ``step(client, thread, n)`` for ``seconds``: (requests, latencies ms, errors)."""
    latencies: list[float] = []
    errors: list[str] = []
    lock = threading.Lock()
    deadline = time.perf_counter() + seconds

    def worker(k: int) -> None:
        mine: list[float] = []
        with httpx.Client(base_url=url, headers=headers, timeout=60) as client:
            n = 0
            while time.perf_counter() < deadline:
                t0 = time.perf_counter()
                try:
                    step(client, k, n)
                except Exception as exc:  # noqa: BLE001 - counted and shown
                    with lock:
                        errors.append(f"{type(exc).__name__}: {exc}"[:300])
                mine.append((time.perf_counter() - t0) * 1000)
                n += 1
        with lock:
            latencies.extend(mine)

    threads = [threading.Thread(target=worker, args=(k,)) for k in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return len(latencies), latencies, errors


def expect(response: httpx.Response, status: int) -> httpx.Response:
    if response.status_code != status:
        raise RuntimeError(f"{response.request.method} {response.request.url.path}: {response.status_code} {response.text[:200]}")
    return response


def throughput(url: str, headers: dict[str, str], ids: list[str], clients: int, seconds: float, tag: str) -> None:
    cases: dict[str, Callable[[httpx.Client, int, int], None]] = {
        "GET list limit=20": lambda c, k, n: expect(c.get("/api/contacts/", params={"limit": 20}), 200),
        "GET search=smith": lambda c, k, n: expect(c.get("/api/contacts/", params={"search": "smith"}), 200),
        "GET one": lambda c, k, n: expect(c.get(f"/api/contacts/{random.choice(ids)}/"), 200),
        "POST": lambda c, k, n: expect(c.post("/api/contacts/", json={"firstName": "Bench", "email": f"b-{tag}-{k}-{n}@bench.example"}), 201),
        "PATCH": lambda c, k, n: expect(c.patch(f"/api/contacts/{random.choice(ids)}/", json={"title": f"T{k}-{n}"}), 200),
    }  # fmt: skip
    print(f"\n{clients} keep-alive clients, {seconds:g} s a case")
    print(f"{'case':22} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8} errors")
    for name, step in cases.items():
        count, lat, errs = run_clients(url, headers, clients, seconds, step)
        print(f"{name:22} {count / seconds:8.0f} {pct(lat, 0.5):8.2f} {pct(lat, 0.99):8.2f} {len(errs)}")
        for e in errs[:3]:
            print("   ", e)


def overhead(url: str, headers: dict[str, str], service: Service, ids: list[str], runs: int, tag: str) -> None:
    """One request at a time over HTTP vs the same Service call here: p50s and their difference."""
    seq = iter(range(10**9))
    cases: list[tuple[str, Callable[[httpx.Client], Any], Callable[[], Any]]] = [
        ("GET list limit=20", lambda c: c.get("/api/contacts/", params={"limit": 20}), lambda: service.list_contacts(limit=20)),
        ("GET search=smith", lambda c: c.get("/api/contacts/", params={"search": "smith"}), lambda: service.list_contacts(search="smith")),
        ("GET one", lambda c: c.get(f"/api/contacts/{ids[0]}/"), lambda: service.get_contact(ids[0], with_version=True)),
        ("POST", lambda c: c.post("/api/contacts/", json={"firstName": "O", "email": f"o-{tag}-{next(seq)}@bench.example"}),
         lambda: service.create_contact({"firstName": "O", "email": f"o-{tag}-{next(seq)}@bench.example"}, with_version=True)),
        ("PATCH", lambda c: c.patch(f"/api/contacts/{ids[1]}/", json={"title": f"O{next(seq)}"}),
         lambda: service.update_contact(ids[1], {"title": f"O{next(seq)}"}, with_version=True)),
    ]  # fmt: skip
    print(f"\nOverhead: 1 client, {runs} requests a case, p50 ms")
    print(f"{'case':22} {'HTTP':>8} {'in-process':>11} {'overhead':>9}")
    with httpx.Client(base_url=url, headers=headers, timeout=60) as client:
        for name, http_call, direct in cases:
            http_ms, direct_ms = [], []
            for _ in range(runs):  # interleaved, so the machine's load hits both alike
                t0 = time.perf_counter()
                http_call(client).raise_for_status()
                http_ms.append((time.perf_counter() - t0) * 1000)
                t0 = time.perf_counter()
                direct()
                direct_ms.append((time.perf_counter() - t0) * 1000)
            h, d = statistics.median(http_ms), statistics.median(direct_ms)
            print(f"{name:22} {h:8.2f} {d:11.2f} {h - d:9.2f}")


def fresh_csv(path: Path, rows: int) -> bytes:
    """A generated CSV (bench/gen_contacts_csv.py) with a new seed: emails no earlier run used."""
    from gen_contacts_csv import generate

    generate(path, size=rows * 140, seed=random.randrange(1 << 30))
    return path.read_bytes()


def load(url: str, headers: dict[str, str], db: Path, clients: int, seconds: float, csv_path: Path, csv_rows: int,
         tag: str, actor: str) -> bool:  # fmt: skip
    """Writers and imports together; True when nothing was lost or refused."""
    created: dict[int, list[str]] = {k: [] for k in range(clients)}
    told = {"created": 0, "patched": 0, "deleted": 0}
    lock = threading.Lock()
    jobs: list[str] = []
    stop = threading.Event()
    def importer() -> None:
        with httpx.Client(base_url=url, headers=headers, timeout=120) as c:
            while not stop.is_set():
                csv_bytes = fresh_csv(csv_path, csv_rows)  # new emails, so the rows import, not skip as duplicates
                files = {"file": ("load.csv", csv_bytes, "text/csv")}
                r = expect(c.post("/api/crm/contacts/import/start/", files=files), 202)
                jobs.append(r.json()["uid"])
                while not stop.is_set():
                    if c.get(f"/api/crm/contacts/import-jobs/{jobs[-1]}/").json()["status"] in ("complete", "failed"):
                        break
                    time.sleep(0.5)

    def step(c: httpx.Client, k: int, n: int) -> None:
        mine = created[k]
        action = n % 4
        if action in (0, 1) or not mine:
            r = expect(c.post("/api/contacts/", json={"firstName": "Load", "email": f"l-{tag}-{k}-{n}@bench.example"}), 201)
            mine.append(r.json()["id"])
            key = "created"
        elif action == 2:
            expect(c.patch(f"/api/contacts/{random.choice(mine)}/", json={"title": f"L{k}-{n}"}), 200)
            key = "patched"
        else:
            expect(c.delete(f"/api/contacts/{mine.pop(random.randrange(len(mine)))}/"), 204)
            key = "deleted"
        with lock:
            told[key] += 1

    before, last_activity = sqlite3.connect(db).execute(
        "SELECT (SELECT count(*) FROM contact), (SELECT coalesce(max(id), 0) FROM activity)").fetchone()
    imp = threading.Thread(target=importer)
    imp.start()
    count, lat, errs = run_clients(url, headers, clients, seconds, step)
    stop.set()
    imp.join()
    with httpx.Client(base_url=url, headers=headers, timeout=60) as c:  # let the last job end
        while any(c.get(f"/api/crm/contacts/import-jobs/{u}/").json()["status"] not in ("complete", "failed") for u in jobs):
            time.sleep(0.5)
        finished = [c.get(f"/api/crm/contacts/import-jobs/{u}/").json() for u in jobs]
    imported = sum(j["successCount"] for j in finished)
    raw = sqlite3.connect(db)
    after = raw.execute("SELECT count(*) FROM contact").fetchone()[0]
    audit = dict(raw.execute("SELECT action, count(*) FROM activity WHERE actor = ? AND id > ? GROUP BY action",
                             (actor, last_activity)).fetchall())  # fmt: skip
    locked = sum("locked" in e for e in errs)
    expected = before + told["created"] - told["deleted"] + imported
    print(f"\nLoad: {clients} writers for {seconds:g} s while {len(jobs)} import job(s) ran "
          f"({', '.join(j['status'] for j in finished)}; {imported:,} contacts imported)")  # fmt: skip
    print(f"  requests {count:,} ({count / seconds:.0f}/s), p50 {pct(lat, 0.5):.1f} ms, p99 {pct(lat, 0.99):.1f} ms")
    print(f"  told: {told}; errors {len(errs)}; 'database is locked' {locked}")
    for e in errs[:5]:
        print("   ", e)
    print(f"  contacts: {before:,} before, {after:,} after, expected {expected:,}")
    audit_ok = (audit.get("created", 0), audit.get("updated", 0), audit.get("deleted", 0)) == (
        told["created"], told["patched"], told["deleted"])  # fmt: skip
    print(f"  audit rows by token: {audit} -> {'match' if audit_ok else 'MISMATCH'}")
    return not errs and after == expected and audit_ok


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--contacts", type=int, default=100_000)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--load-seconds", type=float, default=30.0)
    parser.add_argument("--overhead-runs", type=int, default=200)
    parser.add_argument("--csv-rows", type=int, default=20_000, help="rows of each import in the load run")
    parser.add_argument("--only", choices=("throughput", "overhead", "load"), help="run one part only")
    args = parser.parse_args()

    db = build(args.contacts)
    tag = str(int(time.time()))
    service = Service.open(db)
    made = service.create_token("bench")
    token = made["token"]
    ids = [c["id"] for c in service.list_contacts(limit=100)["results"]]
    csv_path = OUT / "load.csv"
    proc, url = start_server(db)
    headers = {"Authorization": f"Bearer {token}"}
    try:
        print(f"{args.contacts:,} contacts; server {url}; machine load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
        if args.only in (None, "throughput"):
            throughput(url, headers, ids, args.clients, args.seconds, tag)
        if args.only in (None, "overhead"):
            overhead(url, headers, service, ids, args.overhead_runs, tag)
        ok = args.only not in (None, "load") or load(url, headers, db, args.clients, args.load_seconds, csv_path, args.csv_rows, tag, f"token:{made['id']}")
    finally:
        proc.send_signal(signal.SIGTERM)
        code = proc.wait(60)
        service.close()
    print(f"\nserver exit code {code}; load run {'OK' if ok else 'FAILED'}")
    sys.exit(0 if ok and code == 0 else 1)


if __name__ == "__main__":
    main()
