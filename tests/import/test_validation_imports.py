"""The validation process stays light: it imports no database code.

Its peak memory counts towards the import's (< 200 MB for a 10 MB file, docs/speed.md); importing
SQLAlchemy through the writer's modules once added ~18 MB to it (50 → 70 MB on the bench's
international file)."""

from __future__ import annotations

import json
import subprocess
import sys


def test_the_validation_process_imports_no_database_code():
    code = (
        "import json, sys; import parsalink_tui.importing.validate_process as v; "
        "print(json.dumps(sorted(m for m in sys.modules if m.split('.')[0] in "
        "('sqlalchemy', 'psycopg', 'textual', 'fastapi'))))"
    )
    loaded = json.loads(subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                                       check=True).stdout)  # fmt: skip
    assert loaded == []
