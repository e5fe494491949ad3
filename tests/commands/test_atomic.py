"""auditor.commands.atomic: the old file or the new one, durably; failures name the path."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from auditor.commands import atomic
from auditor.commands.atomic import (
    atomic_output,
    writable_file,
    writable_folder,
    write_text_atomic,
)
from auditor.model.errors import InputError


def test_a_write_replaces_the_file_and_leaves_no_temporary_behind(tmp_path: Path) -> None:
    target = tmp_path / "deep" / "er" / "report.json"
    write_text_atomic(target, "first")
    write_text_atomic(target, "second")
    assert target.read_text(encoding="utf-8") == "second"
    assert sorted(p.name for p in target.parent.iterdir()) == ["report.json"]


def test_a_streamed_write_replaces_the_file_when_it_ends_and_not_if_it_fails(
    tmp_path: Path,
) -> None:
    target = tmp_path / "report.json"
    target.write_text("old", encoding="utf-8")
    with atomic_output(target) as handle:
        handle.write("new, ")
        assert target.read_text(encoding="utf-8") == "old"  # a reader still sees the old one
        handle.write("in parts")
    assert target.read_text(encoding="utf-8") == "new, in parts"
    with pytest.raises(ZeroDivisionError), atomic_output(target) as handle:
        handle.write("half a report")
        _ = 1 / 0
    assert target.read_text(encoding="utf-8") == "new, in parts"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report.json"]  # temp removed


def test_a_failed_rename_keeps_the_old_file_and_names_the_path(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "report.json"
    target.write_text("old", encoding="utf-8")

    def full_disk(src: str, dst: Path) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(atomic.os, "replace", full_disk)
    with pytest.raises(InputError) as raised:
        write_text_atomic(target, "new")
    assert str(raised.value) == f"{target}: cannot write (No space left on device)"
    assert target.read_text(encoding="utf-8") == "old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report.json"]  # temp removed


def test_a_parent_that_is_a_file_is_one_error_naming_the_path(tmp_path: Path) -> None:
    (tmp_path / "afile").write_text("x", encoding="utf-8")
    target = tmp_path / "afile" / "report.json"
    with pytest.raises(InputError) as raised:
        write_text_atomic(target, "new")
    assert raised.value.source == str(target) and "cannot write" in raised.value.problem


def test_the_file_and_then_its_directory_are_fsynced(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    synced: list[tuple[bool, bool]] = []  # (is a directory, target already renamed)
    target = tmp_path / "report.json"
    real_fsync = os.fsync

    def recording_fsync(fd: int) -> None:
        synced.append((stat.S_ISDIR(os.fstat(fd).st_mode), target.exists()))
        real_fsync(fd)

    monkeypatch.setattr(atomic.os, "fsync", recording_fsync)
    write_text_atomic(target, "text")
    assert synced == [(False, False), (True, True)]


@pytest.mark.parametrize(
    ("raw", "says"),
    [
        ("", "empty path"),
        ("   ", "empty path"),
        (".", "names a directory"),
        ("sub/", "names a directory"),
        ("adir", "is a directory"),
        ("afile/x", "'afile' is a file, not a directory"),
        ("bad\0name", "not a usable path"),
        ("x" * 300, "cannot be checked (File name too long)"),
    ],
)
def test_a_file_that_cannot_be_written_is_refused(
    raw: str, says: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "adir").mkdir()
    (tmp_path / "afile").write_text("x", encoding="utf-8")
    with pytest.raises(InputError) as raised:
        writable_file(raw, "--output")
    assert raised.value.exit_code == 2
    assert str(raised.value).startswith("--output") and says in str(raised.value)
    assert "\n" not in str(raised.value)


def test_a_pipe_nobody_reads_is_refused_and_one_being_read_is_written_through(
    tmp_path: Path,
) -> None:
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    with pytest.raises(InputError, match="cannot be written \\(a pipe nobody reads\\)"):
        writable_file(str(fifo), "--output")
    reader = os.open(fifo, os.O_RDONLY | os.O_NONBLOCK)
    try:
        assert writable_file(str(fifo), "--output") == fifo
        write_text_atomic(fifo, "report")
        assert os.read(reader, 100) == b"report"
        assert stat.S_ISFIFO(fifo.stat().st_mode)  # still the pipe, not a file in its place
    finally:
        os.close(reader)


def test_a_device_is_written_through_never_replaced() -> None:
    null = Path("/dev/null")
    assert writable_file(str(null), "--output") == null
    write_text_atomic(null, "report")
    assert null.is_char_device()


def test_a_link_is_followed_and_kept(tmp_path: Path) -> None:
    (tmp_path / "reports").mkdir()
    real = tmp_path / "reports" / "real.json"
    real.write_text("old")
    link = tmp_path / "latest.json"
    link.symlink_to(real)
    write_text_atomic(writable_file(str(link), "--output"), "new")
    assert link.is_symlink() and real.read_text() == "new"
    assert sorted(p.name for p in (tmp_path / "reports").iterdir()) == ["real.json"]


def test_a_long_legal_name_is_written(tmp_path: Path) -> None:
    target = tmp_path / ("r" * 250 + ".json")
    write_text_atomic(writable_file(str(target), "--output"), "{}")
    assert target.read_text() == "{}"


def test_files_and_folders_that_can_be_written_pass_unchanged(tmp_path: Path) -> None:
    existing = tmp_path / "old.json"
    existing.write_text("x", encoding="utf-8")
    assert writable_file(str(existing), "--output") == existing
    later = tmp_path / "not" / "yet" / "r.json"
    assert writable_file(str(later), "--output") == later
    assert not (tmp_path / "not").exists()  # checked, not created
    assert writable_folder(str(tmp_path / "keep"), "--keep") == tmp_path / "keep"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["old.json"]  # probes cleaned up


def test_a_folder_under_a_file_is_refused(tmp_path: Path) -> None:
    (tmp_path / "afile").write_text("x", encoding="utf-8")
    with pytest.raises(InputError, match="is a file, not a directory"):
        writable_folder(str(tmp_path / "afile"), "--keep")
    with pytest.raises(InputError, match="empty path"):
        writable_folder("", "--keep")


def test_a_new_output_is_its_owners_only_and_a_replaced_one_keeps_its_mode(
    tmp_path: Path,
) -> None:
    old = os.umask(0o022)
    try:
        fresh = tmp_path / "fresh.json"
        write_text_atomic(fresh, "{}")
        assert stat.S_IMODE(fresh.stat().st_mode) == 0o600  # whatever the umask allows
        kept = tmp_path / "kept.json"
        kept.write_text("old")
        kept.chmod(0o644)
        write_text_atomic(kept, "new")
        assert (stat.S_IMODE(kept.stat().st_mode), kept.read_text()) == (0o644, "new")
    finally:
        os.umask(old)
