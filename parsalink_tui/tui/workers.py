"""``background``: the one way the TUI runs work off the UI thread, so no failure goes unseen.

Textual reports a worker's failure with ``Worker.StateChanged``, which goes to the node that
owns the worker and does not bubble: a failure in a screen's or a widget's worker never reached
the app's error path, and the user saw nothing (an export that was not written, demo data that
never came). Every worker of the TUI is declared with :func:`background` instead of
``textual.work`` (a test keeps it so): a failure is posted to the app as :class:`WorkerFailed`
and shown by :meth:`ParsalinkApp.report <parsalink_tui.tui.app.ParsalinkApp.report>` as an
error notification titled with the worker's ``failure`` text ("Demo data not loaded"); the
worker still ends in the ERROR state.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar

from textual import work
from textual.message import Message

F = TypeVar("F", bound=Callable[..., Any])


class WorkerFailed(Message):
    """A background worker raised ``error``; ``failure`` says what was not done."""

    def __init__(self, error: BaseException, failure: str) -> None:
        super().__init__()
        self.error = error
        self.failure = failure


def background(*, group: str, failure: str) -> Callable[[F], F]:
    """``@work(thread=True, exclusive=True)`` on a method of the app, a screen or a widget; an
    exception is reported to the user under the title ``failure`` (also the worker's name). A
    newer call in ``group`` cancels the older one."""

    def decorate(method: F) -> F:
        @functools.wraps(method)
        def guarded(self: Any, *args: Any, **kwargs: Any) -> Any:
            try:
                return method(self, *args, **kwargs)
            except Exception as exc:
                self.app.post_message(WorkerFailed(exc, failure))  # thread-safe
                raise

        return work(thread=True, exclusive=True, group=group, exit_on_error=False, name=failure)(guarded)  # type: ignore[return-value]

    return decorate
