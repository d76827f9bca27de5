"""One writer process for test_concurrency.py.

    python concurrency_worker.py DB NAME OPS SHARED_IDS GO_FILE OUT_JSON

Opens the service, prints "ready", waits for GO_FILE, then OPS times: creates a contact,
updates it, moves a shared contact to another stage and retitles a shared contact; every
call's outcome goes to OUT_JSON (errors included, never raised), with what the audit log must
now hold because of this process.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

STAGES = ("new", "contacted", "engaged", "proposal_sent", "negotiation", "customer", "inactive")


def main() -> None:
    db, name, ops, shared_arg, go_file, out = sys.argv[1:7]
    from parsalink_tui.service import Service

    svc = Service.open(db)
    shared = shared_arg.split(",")
    offset = 3 if name.endswith("b") else 0
    result: dict = {"name": name, "created": [], "errors": [], "audit": 0, "stage_moves": 0, "title_updates": 0,
                    "writes": 0, "slowest_write": 0.0}
    print("ready", flush=True)
    go = Path(go_file)
    while not go.exists():
        time.sleep(0.005)

    def write(fn, *args):  # type: ignore[no-untyped-def]
        started = time.perf_counter()
        try:
            return fn(*args)
        except Exception as exc:  # noqa: BLE001 - every failure is reported to the test
            result["errors"].append(f"{type(exc).__name__}: {exc}")
            return None
        finally:
            result["writes"] += 1
            result["slowest_write"] = max(result["slowest_write"], time.perf_counter() - started)

    result["started"] = time.time()
    for i in range(int(ops)):
        made = write(svc.create_contact, {"firstName": name, "lastName": str(i), "email": f"{name}.{i}@example.com"})
        if made:
            result["audit"] += 1
            if write(svc.update_contact, made["id"], {"title": f"{name}-{i}"}):
                result["audit"] += 1
                result["created"].append([made["id"], f"{name}-{i}"])
        target = shared[i % len(shared)]
        previous = write(svc.set_stage, [target], STAGES[(i + offset) % len(STAGES)])
        if previous is not None and previous[target] != STAGES[(i + offset) % len(STAGES)]:
            result["audit"] += 1
            result["stage_moves"] += 1
        if write(svc.update_contact, shared[(i + 1) % len(shared)], {"title": f"{name} was here {i}"}):
            result["audit"] += 1
            result["title_updates"] += 1
    result["finished"] = time.time()
    svc.close()
    Path(out).write_text(json.dumps(result))


if __name__ == "__main__":
    main()
