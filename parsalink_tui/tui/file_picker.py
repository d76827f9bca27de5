"""Picking a CSV file: a directory tree of folders and ``.csv`` files, and path completion.

File names are user data: every path shown goes through :func:`~.render.path_text` (control
characters made visible) and is built as ``Text``, never markup. Showing a path never touches the
file system beyond the working directory's name, so a symlink loop or a deleted working directory
cannot fail it.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path
from typing import Self

from rich.text import Text, TextType
from textual.suggester import Suggester
from textual.widgets import DirectoryTree
from textual.widgets.directory_tree import DirEntry
from textual.widgets.tree import TreeNode

from .render import path_text

MAX_SCAN = 2000  # directory entries looked at per completion (a huge folder must not stall typing)


def is_csv_name(name: str) -> bool:
    return name.lower().endswith((".csv", ".vcf", ".vcard"))  # the importer reads vCards too


def shown_path(path: Path) -> str:
    """``path`` as plain text: relative to the working directory when under it (shorter), else absolute.

    Links are not followed (the user picked the link's name; a loop cannot be resolved anyway).
    """
    try:
        here = Path.cwd()
    except OSError:  # the working directory was deleted: show the path as given
        return path_text(path)
    absolute = Path(os.path.normpath(here / path.expanduser()))
    try:
        return path_text(absolute.relative_to(here))
    except ValueError:
        return path_text(absolute)


def folder_label(path: Path) -> str:
    """A folder's name with a trailing "/" (the tree's root), or "/" for the root of the file system."""
    try:
        folder = Path(os.path.normpath(Path.cwd() / path))
    except OSError:  # the working directory was deleted
        return f"{path_text(path)}/ (deleted)"
    return path_text(folder.name) + "/" if folder.name else path_text(folder)


class CsvTree(DirectoryTree):
    """A ``DirectoryTree`` showing only folders (not hidden ones) and ``.csv`` files."""

    def filter_paths(self, paths: Iterable[Path]) -> Iterable[Path]:
        out = []
        for path in paths:
            if path.name.startswith("."):
                continue
            try:
                if path.is_dir() or is_csv_name(path.name):
                    out.append(path)
            except OSError:  # a dangling link or a folder we may not read: just leave it out
                continue
        return out

    def reset_node(self, node: TreeNode[DirEntry], label: TextType, data: DirEntry | None = None) -> Self:
        # The root is labelled with its folder's name ("." says little), with a trailing "/".
        if node is self.root and data is not None:
            label = folder_label(data.path)
        return super().reset_node(node, label, data)

    def process_label(self, label: str | Text) -> Text:
        # File names may hold control characters or look like markup: show them literally.
        plain = label.plain if isinstance(label, Text) else label
        return Text(path_text(plain), no_wrap=True, overflow="ellipsis")


class PathSuggester(Suggester):
    """Completes the last part of a typed path with a folder (``name/``) or a ``.csv`` file.

    Matching ignores case; the first match in name order wins (folders and files alike), so
    the suggestion is stable. Accept it with → (cursor right at the end of the input).
    """

    def __init__(self) -> None:
        # The folder's contents change (a user saves an export meanwhile): never cache.
        super().__init__(use_cache=False, case_sensitive=True)

    async def get_suggestion(self, value: str) -> str | None:
        if not value or "\n" in value:
            return None
        folder_part, _, partial = value.rpartition(os.sep)
        if value.startswith(os.sep) and not folder_part:
            folder_part = os.sep
        folder = Path(os.path.expanduser(folder_part or "."))
        wanted = partial.casefold()
        best: str | None = None
        try:
            with os.scandir(folder) as entries:
                for n, entry in enumerate(entries):
                    if n >= MAX_SCAN:
                        break
                    name = entry.name
                    if name.startswith(".") and not partial.startswith("."):
                        continue
                    if not name.casefold().startswith(wanted):
                        continue
                    try:
                        is_dir = entry.is_dir()
                    except OSError:
                        continue
                    if not (is_dir or is_csv_name(name)):
                        continue
                    candidate = name + (os.sep if is_dir else "")
                    if candidate == partial:
                        continue
                    if best is None or candidate < best:
                        best = candidate
        except OSError:
            return None
        if best is None:
            return None
        prefix = value[: len(value) - len(partial)]
        return prefix + best
