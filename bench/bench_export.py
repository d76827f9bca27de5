"""Export speed at scale (run by hand; not a test).

    python bench/bench_export.py                       # 100k contacts, every format, 3 runs
    python bench/bench_export.py --contacts 1000000 --formats csv --runs 3

Builds (once) a demo database under ``bench/out/`` as bench_list.py does (and shares it), then times
``Service.export_contacts`` of every contact to a file, a fresh process per run (cold Python,
warm page cache), and prints the median wall time, the rate and the file size per format, with
the peak memory of the exporting process (``ru_maxrss``).
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

from bench_list import build  # the same demo databases (bench/out/list-N.db, seed 7)

_ONE_RUN = """
import json, resource, sys, time
from parsalink_tui.service import Service
svc = Service.open(sys.argv[1])
t0 = time.perf_counter()
with open(sys.argv[3], "wb") as out:
    n = svc.export_contacts(out, fmt=sys.argv[2])
seconds = time.perf_counter() - t0
print(json.dumps({"n": n, "seconds": seconds, "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--contacts", type=int, default=100_000)
    parser.add_argument("--formats", default="csv,vcard,json")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    db = build(args.contacts)
    with tempfile.TemporaryDirectory() as folder:
        for fmt in args.formats.split(","):
            target = Path(folder) / f"export.{fmt}"
            runs = []
            for _ in range(args.runs):
                target.unlink(missing_ok=True)
                done = subprocess.run([sys.executable, "-c", _ONE_RUN, str(db), fmt, str(target)],
                                      check=True, capture_output=True, text=True)  # fmt: skip
                runs.append(json.loads(done.stdout))
            seconds = statistics.median(r["seconds"] for r in runs)
            n = runs[0]["n"]
            print(f"{fmt:6} {n:,} contacts: median {seconds:.2f} s ({n / seconds:,.0f}/s), "
                  f"{target.stat().st_size / 1048576:.1f} MB, peak RSS {max(r['rss_mb'] for r in runs):.0f} MB "
                  f"(runs: {', '.join(format(r['seconds'], '.2f') for r in runs)})")  # fmt: skip


if __name__ == "__main__":
    main()
