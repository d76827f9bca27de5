"""A CSV import run to the end in this thread, for tests outside tests/import/."""

from __future__ import annotations

from pathlib import Path
from typing import Any


def run_csv_import(service: Any, folder: Path, text: str, name: str = "leads.csv") -> dict[str, Any]:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    body = service.start_import(path, run=False)
    service.work_imports()
    return service.get_import_job(body["uid"])
