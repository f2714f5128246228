"""Database URLs: every form psql accepts, one canonical form, and no password in any output.

Accepted, as psql accepts them (parsed by libpq itself, through ``psycopg.conninfo``):

- libpq URIs: ``postgresql://USER:PASSWORD@HOST:PORT/DB?param=value`` (also ``postgres://``),
  including a unix socket directory as ``?host=/path`` and host lists;
- libpq keyword strings: ``host=H port=P user=U password=S dbname=D``;
- SQLAlchemy URLs ``postgresql+psycopg://...`` (parsed by SQLAlchemy, whose form it is).

Each becomes a :class:`PgURL` (the parts of a ``sqlalchemy.engine.URL``, built field by
field, never by pasting strings) and is rendered back by :func:`render`, whose output both
SQLAlchemy and libpq read the same. Because they read it the same, a
``postgresql+psycopg://`` URL that is already in that rendered form (every URL schemactl
passes between its own parts) is parsed by libpq, without importing SQLAlchemy (about 0.3 s,
a third of a ``diff`` that finds no drift); any other spelling of that scheme is parsed by
SQLAlchemy, whose form it is.

Secrets: the password of every URL parsed here (and whatever looks like one in text that does
not parse) is remembered for the process, and :func:`scrub` replaces each of them in any text
about to be printed (error lines, notes, ``--debug`` tracebacks). Errors about a malformed URL
never repeat the URL or a piece of it; they name where it came from (``--db``,
``DATABASE_URL``...).

Standard library only at import time (the CLI imports this on every run).
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from functools import cache
from typing import Any
from urllib.parse import quote, unquote

from generator.errors import ConfigError

DRIVER_SCHEME = "postgresql+psycopg"
LIBPQ_SCHEMES = ("postgresql", "postgres")
# libpq parameters whose value is a secret: masked in every rendering meant for display
SECRET_KEYS = frozenset(
    {"password", "sslpassword", "oauth_client_secret", "scram_client_key", "scram_server_key"}
)
EXPECTED_FORM = (
    "use postgresql://USER:PASSWORD@HOST:PORT/DATABASE (postgresql+psycopg:// works too; "
    "percent-encode @ : / ? # % in the user name and password, e.g. @ as %40) or a libpq "
    "keyword string such as 'host=HOST port=5432 user=USER dbname=DATABASE'"
)
MASK = "***"
_MIN_SECRET = 3  # shorter strings are not replaced: they would mangle ordinary words
_SCHEME = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]*)://")
_QUOTED = re.compile(r'"([^"]*)"')
_KEYWORD_SECRET = re.compile(
    r"(?i)\b((?:" + "|".join(sorted(SECRET_KEYS)) + r")\s*=\s*)('(?:[^'\\]|\\.)*'?|\S+)"
)
_QUERY_SECRET = re.compile(r"(?i)([?&](?:" + "|".join(sorted(SECRET_KEYS)) + r")=)([^&#\s]+)")
_USERINFO = re.compile(r"(://[^:/?#@\s]*:)(\S*)@")

_secrets: set[str] = set()


# ------------------------------------------------------------------------------ secrets


def remember_secret(value: object) -> None:
    """Never print ``value`` again in this process (see :func:`scrub`)."""
    if isinstance(value, tuple):
        for item in value:
            remember_secret(item)
        return
    text = str(value or "")
    for candidate in {text, text.strip("'"), unquote(text)}:
        if len(candidate) >= _MIN_SECRET:
            _secrets.add(candidate)


def forget_secrets() -> None:
    """Forget every remembered secret (for tests that run many commands in one process)."""
    _secrets.clear()


def scrub(text: str) -> str:
    """``text`` with every remembered secret (and $PGPASSWORD) replaced by ``***``, and
    whatever looks like a password in a URL or keyword string masked too."""
    if not text:
        return text
    text = _mask_textually(text)
    known = set(_secrets)
    env_password = os.environ.get("PGPASSWORD") or ""
    if len(env_password) >= _MIN_SECRET:
        known.add(env_password)
    for secret in sorted(known, key=len, reverse=True):
        text = text.replace(secret, MASK)
    return text


def _mask_textually(text: str) -> str:
    text = _USERINFO.sub(
        lambda m: m.group(0) if m.group(2) == "PASSWORD" else m.group(1) + MASK + "@", text
    )
    text = _QUERY_SECRET.sub(lambda m: m.group(1) + MASK, text)
    return _KEYWORD_SECRET.sub(
        lambda m: m.group(0) if m.group(2).startswith(MASK) else m.group(1) + MASK, text
    )


def _remember_candidates(raw: str) -> None:
    """Remember what may be a password in input that might not parse: the userinfo after
    its ':' (each piece between '@' too), and every secret keyword's value."""
    match = _SCHEME.match(raw)
    if match and "@" in raw:
        userinfo = raw[match.end() : raw.rindex("@")]
        if ":" in userinfo:
            password = userinfo.split(":", 1)[1]
            remember_secret(password)
            for piece in re.split(r"[@/?#]", password):
                remember_secret(piece)
    for found in _KEYWORD_SECRET.finditer(raw):
        remember_secret(found.group(2))
        remember_secret(found.group(2).strip("'"))
    for found in _QUERY_SECRET.finditer(raw):
        remember_secret(found.group(2))


# ------------------------------------------------------------------------------ parsing


QueryValue = str | tuple[str, ...]


@dataclass(frozen=True)
class PgURL:
    """A parsed database URL: the fields of ``sqlalchemy.engine.URL`` and the three methods
    of it schemactl uses, so that parsing and rendering never import SQLAlchemy."""

    drivername: str = DRIVER_SCHEME
    username: str | None = None
    password: str | None = None
    host: str | None = None
    port: int | None = None
    database: str | None = None
    query: Mapping[str, QueryValue] = field(default_factory=dict)

    def set(self, **changes: Any) -> PgURL:
        if "query" in changes:
            changes["query"] = dict(changes["query"])
        return replace(self, **changes)

    def update_query_dict(self, values: Mapping[str, QueryValue]) -> PgURL:
        return replace(self, query={**self.query, **values})

    def difference_update_query(self, names: Iterable[str]) -> PgURL:
        dropped = set(names)
        return replace(self, query={k: v for k, v in self.query.items() if k not in dropped})

    @classmethod
    def of(cls, url: Any) -> PgURL:
        """From a ``sqlalchemy.engine.URL``."""
        return cls(url.drivername, url.username, url.password, url.host, url.port, url.database, dict(url.query))


def parse_url(text: str, source: str = "the database URL") -> PgURL:
    """The :class:`PgURL` for any form psql accepts (and SQLAlchemy's own form).
    ``source`` names where the text came from, for messages ("--db", "DATABASE_URL"...).
    Raises ConfigError, whose message never contains the text or a piece of it."""
    raw = (text or "").strip()
    _remember_candidates(raw)
    if not raw:
        raise ConfigError(f"{source} is empty", EXPECTED_FORM)
    match = _SCHEME.match(raw)
    if match:
        scheme = match.group(1).lower()
        if scheme not in (*LIBPQ_SCHEMES, DRIVER_SCHEME):
            shown = scheme if len(scheme) <= 30 else scheme[:30] + "..."
            raise ConfigError(
                f"not a PostgreSQL database URL: {source} has the scheme {shown}://",
                EXPECTED_FORM,
            )
        rest = raw[match.end() :]
        _check_userinfo(rest, source)
        if scheme == DRIVER_SCHEME:
            url = _parse_rendered(rest, source) or _parse_sqlalchemy(f"{scheme}://{rest}", source)
        else:
            url = _from_params(_libpq_parse(f"{scheme}://{rest}", source), source)
    elif "=" in raw:
        url = _from_params(_libpq_parse(raw, source), source)
    else:
        raise ConfigError(
            f"not a PostgreSQL database URL: {source} is neither a postgresql:// URL nor a "
            "libpq keyword string",
            EXPECTED_FORM,
        )
    _check_keywords(url, source)
    if "dbname" in url.query:  # as libpq: a dbname parameter names the database
        url = url.set(database=str(url.query["dbname"])).difference_update_query(["dbname"])
    remember_secret(url.password)
    for key in SECRET_KEYS & set(url.query):
        remember_secret(url.query[key])
    return url


def _check_userinfo(rest: str, source: str) -> None:
    """Refuse what libpq would split in the wrong place, showing a piece of the password
    as a host name: a second '@', or a '/' before the '@' (both unencoded)."""
    if rest.count("@") > 1:
        raise ConfigError(
            f"{source} has more than one '@'",
            "percent-encode '@' in the user name or password as %40",
        )
    before_at = rest[: rest.index("@")] if "@" in rest else ""
    if "/" in before_at and ":" in before_at.split("/", 1)[0]:  # user:pass/word@host
        raise ConfigError(
            f"{source} has a '/' or '@' where libpq cannot tell user, password and host apart",
            "percent-encode '/' as %2F and '@' as %40 in the user name, password and database",
        )


def _parse_rendered(rest: str, source: str) -> PgURL | None:
    """A ``postgresql+psycopg://`` URL (``rest`` follows the scheme) read by libpq, when it is
    exactly what :func:`render` writes for what libpq reads: render's output reads the same in
    SQLAlchemy and libpq, so the answer is SQLAlchemy's. None for any other spelling (SQLAlchemy
    decides those: '+' in a query is a space to it, a percent-encoded path is not decoded...)."""
    text = f"{DRIVER_SCHEME}://{rest}"
    try:
        url = _from_params(_libpq_parse(f"postgresql://{rest}", source), source)
    except ConfigError:
        return None
    return url if render(url) == text else None


def _parse_sqlalchemy(text: str, source: str) -> PgURL:
    from sqlalchemy.engine import make_url

    try:
        return PgURL.of(make_url(text))
    except Exception:  # ArgumentError, ValueError (a bad port): their text repeats the URL
        raise ConfigError(f"{source} is malformed", EXPECTED_FORM) from None


def _libpq_parse(text: str, source: str) -> dict[str, str]:
    import psycopg
    from psycopg.conninfo import conninfo_to_dict

    try:
        params = conninfo_to_dict(text)
    except psycopg.Error as exc:
        raise ConfigError(
            f"{source} is malformed: {_safe_libpq_message(str(exc))}", _keyword_hint(str(exc))
        ) from None
    return {key: str(value) for key, value in params.items() if value is not None}


@cache
def libpq_keywords() -> frozenset[str]:
    """The connection parameters this libpq knows (``password``, ``sslmode``...)."""
    from psycopg import pq

    return frozenset(option.keyword.decode() for option in pq.Conninfo.get_defaults())


def _safe_libpq_message(message: str) -> str:
    """libpq's first line with every quoted token it copied from the input removed, except
    known parameter names (they are not secrets and tell the user what is wrong)."""
    first = next((line.strip() for line in message.splitlines() if line.strip()), "")

    def keep(match: re.Match[str]) -> str:
        token = match.group(1)
        if token.lower() in libpq_keywords() or re.fullmatch(r"[^\w\s]", token):
            return match.group(0)
        return '"..."'

    return _QUOTED.sub(keep, first)


def _keyword_hint(message: str) -> str:
    for token in _QUOTED.findall(message):
        if token != token.lower() and token.lower() in libpq_keywords():
            return f"libpq parameter names are lower case ({token.lower()}, not {token})"
    return EXPECTED_FORM


_PORT_LIST = re.compile(r"\d*(,\d*)*")
_PLAIN_NAME = re.compile(r"[\w.$+-]+")


def _from_params(params: Mapping[str, str], source: str) -> PgURL:
    """A :class:`PgURL` from libpq parameters: user, password, database and a plain host and
    port in their places; a socket directory, host lists and everything else in the query."""
    rest = dict(params)
    user = rest.pop("user", None)
    password = rest.pop("password", None)
    database = rest.pop("dbname", None)
    host = rest.get("host")
    port = rest.get("port")
    if port is not None and not _PORT_LIST.fullmatch(port):
        remember_secret(port)
        raise ConfigError(f"{source} has a port that is not a number", EXPECTED_FORM)
    plain_host = host is not None and not re.search(r"[/,@\\]", host) and host != ""
    plain_port = port is None or port.isdigit()
    if plain_host and plain_port:
        rest.pop("host")
        if port is not None:
            rest.pop("port")
    return PgURL(
        DRIVER_SCHEME,
        username=user or None,
        password=password if password else None,
        host=host if plain_host and plain_port else None,
        port=int(port) if plain_host and port and port.isdigit() else None,
        database=database or None,
        query=rest,
    )


def _check_keywords(url: PgURL, source: str) -> None:
    """Every query parameter must be one libpq knows (as psql insists): an unknown one would
    otherwise fail later inside the driver, or be sent where it does not belong."""
    known = libpq_keywords()
    for key in url.query:
        if key in known:
            continue
        if key.lower() in known:
            raise ConfigError(
                f'{source} has an unknown connection parameter "{key}"',
                f"libpq parameter names are lower case ({key.lower()}, not {key})",
            )
        remember_secret(key)
        raise ConfigError(
            f"{source} has a query parameter libpq does not know",
            "see https://www.postgresql.org/docs/current/libpq-connect.html#LIBPQ-PARAMKEYWORDS",
        )


# ---------------------------------------------------------------------------- rendering


def render(url: PgURL, scheme: str = DRIVER_SCHEME, hide_password: bool = False) -> str:
    """``url`` as a URI that SQLAlchemy (``postgresql+psycopg``) and libpq (``postgresql``)
    both read back to the same parameters: every part percent-encoded, never a '+' for a
    space. With ``hide_password`` the password and secret parameters read ``***``."""
    userinfo = ""
    if url.username or url.password:
        userinfo = quote(url.username or "", safe="")
        if url.password:
            userinfo += ":" + (MASK if hide_password else quote(str(url.password), safe=""))
        userinfo += "@"
    host = ""
    if url.host:
        host = f"[{url.host}]" if ":" in url.host else quote(url.host, safe="")
    if url.port is not None:
        host += f":{url.port}"
    path, pairs = "", []
    if url.database and _PLAIN_NAME.fullmatch(url.database):
        path = "/" + url.database
    elif url.database:  # SQLAlchemy does not percent-decode the path; both decode the query
        pairs.append(f"dbname={quote(url.database, safe='')}")
    for key, value in url.query.items():
        values = value if isinstance(value, tuple) else (value,)
        for item in values:
            shown = MASK if hide_password and key in SECRET_KEYS else quote(str(item), safe="/")
            pairs.append(f"{quote(key, safe='')}={shown}")
    query = "?" + "&".join(pairs) if pairs else ""
    if not path and query:
        path = "/"
    return f"{scheme}://{userinfo}{host}{path}{query}"
