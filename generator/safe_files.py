"""Reading a spec or seeds file safely, with the standard library alone (``diff`` reads
schema.yaml's bytes for its cache key on every run, without parsing it: importing the spec
package, YAML and the model, is a tenth of a second it need not pay).

``read_bytes`` opens regular files only (never a device, FIFO or directory), reads at most
``MAX_BYTES``, and refuses a symbolic link out of its own folder. Problems are ``SpecError``s
at line 1, column 1 of the file, or a ``ConfigError`` for a file that is not there.
"""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path as FilePath

from generator.errors import ConfigError, Problem, SpecError

MAX_BYTES = 4 * 1024 * 1024


def read_bytes(path: FilePath | str, name: str) -> bytes:
    """The bytes of the regular file at ``path``, at most ``MAX_BYTES``; never opens a device,
    FIFO or directory, and never reads more than ``MAX_BYTES + 1`` bytes."""
    try:
        info = os.stat(path)
    except FileNotFoundError:
        raise ConfigError(f"{name}: file not found", "run schemactl from the repository root or pass --spec PATH") from None
    except OSError as exc:
        raise _file_problem(name, _os_reason(exc)) from None
    _check_kind(info, name)
    _check_link(path, name)
    try:
        # O_NONBLOCK: should the path have become a FIFO since the stat, open does not wait.
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0) | getattr(os, "O_CLOEXEC", 0))
    except FileNotFoundError:
        raise ConfigError(f"{name}: file not found", "run schemactl from the repository root or pass --spec PATH") from None
    except OSError as exc:
        raise _file_problem(name, _os_reason(exc)) from None
    try:
        _check_kind(os.fstat(fd), name)  # what was opened, not what the path named a moment ago
        chunks: list[bytes] = []
        size = 0
        while size <= MAX_BYTES:
            chunk = os.read(fd, MAX_BYTES + 1 - size)
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
    except OSError as exc:
        raise _file_problem(name, _os_reason(exc)) from None
    finally:
        os.close(fd)
    if size > MAX_BYTES:
        raise too_big(name)
    return b"".join(chunks)


def _check_kind(info: os.stat_result, name: str) -> None:
    mode = info.st_mode
    if stat.S_ISREG(mode):
        if info.st_size > MAX_BYTES:
            raise too_big(name, info.st_size)
        return
    kind = (
        "a directory" if stat.S_ISDIR(mode)
        else "a FIFO (named pipe)" if stat.S_ISFIFO(mode)
        else "a character device" if stat.S_ISCHR(mode)
        else "a block device" if stat.S_ISBLK(mode)
        else "a socket" if stat.S_ISSOCK(mode)
        else "not a regular file"
    )
    raise _file_problem(name, f"is {kind}, not a YAML file; give the path of a regular file")


def too_big(name: str, size: int | None = None) -> SpecError:
    what = f"{size / 1024 / 1024:.1f} MiB" if size is not None else "larger than that"
    return _file_problem(name, f"the file is {what}; schemactl reads YAML files of at most {MAX_BYTES // 1024 // 1024} MiB")


def _os_reason(exc: OSError) -> str:
    if exc.errno == errno.ELOOP:
        return "cannot read (a loop of symbolic links)"
    return f"cannot read ({exc.strerror or exc})"


def _check_link(path: FilePath | str, name: str) -> None:
    """Refuse a spec or seeds file that is a symbolic link to a file outside the link's own
    folder. A pull request can commit ``schema.yaml`` or ``seeds.yaml`` as a link to
    ``/etc/shadow``, ``~/.aws/credentials`` or ``/proc/self/environ``; CI's ``validate`` then
    quoted its lines in "unknown key" problems, into a public log. A link within the folder
    (``schema.yaml -> spec/schema.yaml``) is fine; to use a file elsewhere, name it itself."""
    if not os.path.islink(path):
        return
    folder = os.path.realpath(os.path.dirname(os.path.abspath(path)))
    target = os.path.realpath(path)
    if os.path.commonpath([folder, target]) != folder:
        raise _file_problem(name, "is a symbolic link to a file outside its folder; schemactl does not follow it "
                                  "(a checkout could point it at a secret): pass the file's real path instead")


def _file_problem(name: str, message: str) -> SpecError:
    return SpecError([Problem(name, 1, 1, message)])
