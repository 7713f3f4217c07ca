"""A search index directory that becomes read-only or full, for the fault tests.

For real where the system lets us: a small tmpfs of our own, remounted read-only or filled up
(needs root with CAP_SYS_ADMIN, as in CI's container). Otherwise, as a user other than root,
`chmod` makes it read-only for real. Otherwise (root without mount rights, where chmod stops
nothing), the operating system's answer is simulated at its boundary: every call that would
create, write, rename or delete a file under the directory raises the OSError the kernel gives
(EROFS or ENOSPC), so Whoosh and `search_index` run their own code up to the failing call.
"""

import builtins
import errno
import os
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

KINDS = ("read-only", "full")
ERRNO = {"read-only": errno.EROFS, "full": errno.ENOSPC}
TMPFS_SIZE = "16m"


def _mount(*args: str) -> bool:
    try:
        done = subprocess.run(["mount", *args], check=False, capture_output=True,
                              timeout=30)
    except (OSError, subprocess.TimeoutExpired):
        return False
    return done.returncode == 0


class IndexStorage:
    """The folder that holds the index (`index_dir`), and ways to break and repair it."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.root.mkdir(parents=True, exist_ok=True)
        self.index_dir = root / "index"
        self._monkeypatch = pytest.MonkeyPatch()
        # FAULT_INDEX_STORAGE=simulated skips the tmpfs (to run the fallback where it mounts).
        self.mounted = (os.geteuid() == 0 and os.environ.get("FAULT_INDEX_STORAGE") != "simulated"
                        and _mount("-t", "tmpfs", "-o", f"size={TMPFS_SIZE}", "tmpfs", str(root)))
        self.how = "tmpfs" if self.mounted else ("chmod" if os.geteuid() != 0 else "simulated")
        self.broken: str | None = None
        self._filler = root / "filler"

    def describe(self, kind: str) -> str:
        if self.how == "chmod" and kind == "full":
            return "simulated"
        return self.how

    def break_(self, kind: str) -> None:
        """Make the index folder read-only or full from now on."""
        assert kind in KINDS
        self.broken = kind
        how = self.describe(kind)
        if how == "tmpfs" and kind == "read-only":
            assert _mount("-o", "remount,ro", str(self.root)), "could not remount read-only"
        elif how == "tmpfs":
            self._fill()
        elif how == "chmod":
            for folder, _, files in os.walk(self.root):
                os.chmod(folder, 0o555)
                for name in files:
                    os.chmod(Path(folder) / name, 0o444)
        else:
            self._simulate(ERRNO[kind])

    def repair(self) -> None:
        """Make the folder writable again (space freed, or mounted read-write)."""
        kind, self.broken = self.broken, None
        if kind is None:
            return
        how = self.describe(kind)
        if how == "tmpfs" and kind == "read-only":
            assert _mount("-o", "remount,rw", str(self.root)), "could not remount read-write"
        elif how == "tmpfs":
            self._filler.unlink()
        elif how == "chmod":
            for folder, _, files in os.walk(self.root):
                os.chmod(folder, 0o755)
                for name in files:
                    os.chmod(Path(folder) / name, 0o644)
        else:
            self._monkeypatch.undo()

    def remove(self) -> None:
        if self.broken:
            self.repair()
        if self.mounted:
            subprocess.run(["umount", "-l", str(self.root)], check=False, capture_output=True,
                           timeout=30)
        shutil.rmtree(self.root, ignore_errors=True)

    def _fill(self) -> None:
        """Write a file until the tmpfs has no byte left."""
        block = b"\0" * (1 << 16)
        with self._filler.open("wb", buffering=0) as out:
            try:
                while True:
                    out.write(block)
            except OSError as exc:
                assert exc.errno == errno.ENOSPC, exc
        with self._filler.open("ab", buffering=0) as out:  # the last partial block
            try:
                while True:
                    out.write(b"\0")
            except OSError as exc:
                assert exc.errno == errno.ENOSPC, exc

    # -- simulated: the kernel's answer at the system-call boundary -------------------------

    def _simulate(self, code: int) -> None:
        root = os.path.realpath(self.root)

        def inside(path: Any) -> bool:
            if isinstance(path, int):
                return False
            try:
                full = os.path.realpath(os.fsdecode(path))
            except (TypeError, ValueError):
                return False
            return full == root or full.startswith(root + os.sep)

        def refuse(path: Any) -> None:
            raise OSError(code, os.strerror(code), os.fsdecode(path))

        def guard(original: Callable[..., Any], *, writes: Callable[..., bool]) -> Any:
            def call(path: Any, *args: Any, **kwargs: Any) -> Any:
                if inside(path) and writes(*args, **kwargs):
                    refuse(path)
                return original(path, *args, **kwargs)
            return call

        def open_writes(mode: str = "r", *args: Any, **kwargs: Any) -> bool:
            return any(c in mode for c in "wax+")

        def os_open_writes(flags: int, *args: Any, **kwargs: Any) -> bool:
            return bool(flags & (os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_TRUNC
                                 | os.O_APPEND))

        def always(*args: Any, **kwargs: Any) -> bool:
            return True

        def two_paths(original: Callable[..., Any]) -> Any:
            def call(src: Any, dst: Any, *args: Any, **kwargs: Any) -> Any:
                if inside(src) or inside(dst):
                    refuse(dst)
                return original(src, dst, *args, **kwargs)
            return call

        patch = self._monkeypatch
        patch.setattr(builtins, "open", guard(builtins.open, writes=open_writes))
        patch.setattr(os, "open", guard(os.open, writes=os_open_writes))
        for name in ("mkdir", "remove", "unlink", "rmdir", "utime", "chmod"):
            patch.setattr(os, name, guard(getattr(os, name), writes=always))
        for name in ("rename", "replace", "link", "symlink"):
            patch.setattr(os, name, two_paths(getattr(os, name)))
