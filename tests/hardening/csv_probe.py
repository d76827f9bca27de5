"""Read one CSV file the way an import does, in a process of its own; print a JSON verdict.

    python csv_probe.py FILE [MEMORY_LIMIT_MB]

Runs open_csv → count → sample → guess_mapping → row_width_error over every record, under an
address-space limit, and prints {"outcome": "records"|"refused", ...} with the peak RSS.
Anything else (a crash, MemoryError, a traceback, a signal) is the caller's failure to report.
"""

from __future__ import annotations

import json
import resource
import sys
import time
from pathlib import Path


def main() -> None:
    path = Path(sys.argv[1])
    limit_mb = int(sys.argv[2]) if len(sys.argv) > 2 else 0
    if limit_mb:
        resource.setrlimit(resource.RLIMIT_AS, (limit_mb * 1024 * 1024, limit_mb * 1024 * 1024))
    from parsalink_tui.importing import mapping
    from parsalink_tui.importing.reading import ImportFileError, open_csv, row_width_error

    data = path.read_bytes()
    started = time.perf_counter()
    try:
        source = open_csv(data)
    except ImportFileError as exc:
        verdict = {"outcome": "refused", "message": str(exc)}
    else:
        count = source.count()
        sample = source.sample()
        mapping.guess_mapping(source.header, sample)
        width = len(source.header)
        ragged = sum(1 for _, cells in source.records() if row_width_error(cells, width))
        verdict = {"outcome": "records", "records": count, "columns": width, "ragged": ragged,
                   "encoding": source.encoding, "delimiter": source.delimiter}
    verdict["seconds"] = round(time.perf_counter() - started, 3)
    verdict["maxrss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
    print(json.dumps(verdict))


if __name__ == "__main__":
    main()
