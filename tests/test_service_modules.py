"""``Service`` is one class for its callers, written in small modules (service.py, service_imports.py)."""

from __future__ import annotations

from pathlib import Path

import parsalink_tui
from parsalink_tui.service import Service

PUBLIC = {
    "add_account", "add_note", "add_source", "add_task", "add_user", "as_actor", "authenticate_token", "backup",
    "close", "contact_position", "create_contact", "create_token", "delete_contact", "delete_note", "delete_task",
    "export_contacts", "export_to_file", "forget_saved_mapping", "get_contact", "get_import_job",
    "import_error_rows", "import_errors_csv", "list_accounts", "list_activity", "list_contacts", "list_import_jobs",
    "list_notes", "list_saved_mappings", "list_sources", "list_tasks", "list_tokens", "list_users", "open",
    "preview_import", "restore_contact", "resume_imports", "resume_reverts", "revert_import", "revert_protected", "revoke_token",
    "set_stage", "set_stages", "set_stages_where", "set_task_done", "stage_counts", "start_import",
    "start_import_bytes", "start_revert", "update_contact", "update_contact_where", "update_note", "update_task",
    "watch_changes", "work_imports",
}  # fmt: skip


def test_the_service_keeps_its_public_methods():
    assert {name for name in dir(Service) if not name.startswith("_")} == PUBLIC


def test_each_service_module_is_small():
    package = Path(parsalink_tui.__file__).parent
    sizes = {p.name: len(p.read_text().splitlines()) for p in package.glob("service*.py")}
    assert len(sizes) >= 2 and max(sizes.values()) <= 350, sizes


def test_an_actor_stamps_the_import_methods_too(tmp_path, monkeypatch):
    """``as_actor`` wraps every public method, those ``Service`` inherits included."""
    from parsalink_tui import audit

    seen = []
    original = audit.acting_as
    monkeypatch.setattr(audit, "acting_as", lambda actor: seen.append(actor) or original(actor))
    svc = Service.open(tmp_path / "t.db")
    try:
        acting = svc.as_actor("token:tok_test")
        assert acting.list_import_jobs() == []
        assert acting.list_saved_mappings() == []
    finally:
        svc.close()
    assert seen == ["token:tok_test", "token:tok_test"]
