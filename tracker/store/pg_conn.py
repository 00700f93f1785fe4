"""Connecting to PostgreSQL + PostGIS: URL handling, secrets kept out of messages, clear errors.

The URL is handed to libpq unchanged, so every libpq option passes through (``sslmode``,
``sslrootcert``, ``options``, ``application_name``, ``connect_timeout``...), and so do the
``PG*`` environment variables: the password can come from ``PGPASSWORD`` or ``PGPASSFILE``
(``~/.pgpass``) instead of the URL. Whatever the source, :func:`redact_url` is the only form
of a URL that may appear in a message or a log. Imports: psycopg (lazily), stdlib, errors.
"""

from __future__ import annotations

import logging
import re
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, quote, urlencode, urlsplit, urlunsplit

from tracker.errors import ConnectionFailedError, StoreError

if TYPE_CHECKING:
    import psycopg

logger = logging.getLogger(__name__)

URL_SCHEMES = ("postgresql://", "postgres://")
_SECRET_PARAMS = {"password", "sslpassword"}
DEFAULT_CONNECT_TIMEOUT = "10"


def is_postgres_url(location: str) -> bool:
    """Whether a store location names a PostgreSQL server rather than a file."""
    return location.strip().lower().startswith(URL_SCHEMES)


def redact_url(url: str) -> str:
    """Return ``url`` with any password (userinfo or query parameter) replaced by ``***``.

    Examples
    --------
    >>> redact_url("postgresql://ann:s3cret@db.example:5432/tracker?sslmode=require")
    'postgresql://ann:***@db.example:5432/tracker?sslmode=require'
    """
    try:
        parts = urlsplit(url)
    except ValueError:
        return "postgresql://***"
    netloc = parts.netloc
    if "@" in netloc:
        userinfo, hostinfo = netloc.rsplit("@", 1)
        if ":" in userinfo:
            userinfo = userinfo.split(":", 1)[0] + ":***"
        netloc = f"{userinfo}@{hostinfo}"
    query = parts.query
    if query:
        pairs = parse_qsl(query, keep_blank_values=True)
        query = urlencode(
            [(k, "***" if k.lower() in _SECRET_PARAMS else v) for k, v in pairs], safe="*/:"
        )
    return urlunsplit((parts.scheme, netloc, parts.path, query, parts.fragment))


def database_name(url: str) -> str:
    """Return the database named in the URL path (or libpq's default, the user name)."""
    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    for k, v in parse_qsl(parts.query):
        if k == "dbname":
            name = v
    return name or (parts.username or "(default)")


def _with_default_timeout(url: str) -> str:
    parts = urlsplit(url)
    keys = {k for k, _ in parse_qsl(parts.query, keep_blank_values=True)}
    if "connect_timeout" in keys:
        return url
    sep = "&" if parts.query else ""
    query = parts.query + sep + "connect_timeout=" + quote(DEFAULT_CONNECT_TIMEOUT)
    return urlunsplit((parts.scheme, parts.netloc, parts.path, query, parts.fragment))


def connect(url: str, *, autocommit: bool = False) -> psycopg.Connection[Any]:
    """Open a connection, turning libpq failures into :class:`ConnectionFailedError`.

    Parameters
    ----------
    url
        A ``postgresql://`` URL; its options go to libpq unchanged (a 10 s
        ``connect_timeout`` is added when none is given).
    autocommit
        Open the connection in autocommit mode.

    Raises
    ------
    ConnectionFailedError
        The server is down or unreachable, refused the login, or the database is missing;
        the message names the problem and the fix, never the password.
    """
    import psycopg

    try:
        return psycopg.connect(_with_default_timeout(url), autocommit=autocommit)
    except psycopg.OperationalError as err:
        raise ConnectionFailedError(explain_connect_error(url, str(err))) from None
    except psycopg.ProgrammingError as err:  # malformed conninfo
        msg = (
            f"invalid PostgreSQL URL {redact_url(url)!r}: {_scrub(str(err), url)}. "
            "Expected postgresql://USER@HOST:PORT/DATABASE?OPTION=VALUE"
        )
        raise ConnectionFailedError(msg) from None


def _scrub(text: str, url: str) -> str:
    """Remove the URL's password from a driver message, should it ever appear."""
    try:
        pw = urlsplit(url).password
    except ValueError:
        pw = None
    if pw:
        text = text.replace(pw, "***")
    return text.strip()


def explain_connect_error(url: str, detail: str) -> str:
    """Return a user-facing message for a failed connection (what, where and the fix)."""
    where = redact_url(url)
    detail = _scrub(detail, url)
    low = detail.lower()
    db = database_name(url)
    first = re.sub(r"\s+", " ", detail.split("\n")[0])
    if "password authentication failed" in low or "authentication failed" in low:
        m = re.search(r'for user "([^"]*)"', detail)
        user = m.group(1) if m else "that user"
        return (
            f"PostgreSQL refused the login for {user} at {where}: wrong password or no such user. "
            "Check the user name, and give the password through PGPASSWORD or a ~/.pgpass file "
            "(PGPASSFILE) rather than on the command line."
        )
    if "no password supplied" in low:
        return (
            f"PostgreSQL at {where} asks for a password and none was given. "
            "Set PGPASSWORD, or add a line HOST:PORT:DATABASE:USER:PASSWORD to ~/.pgpass "
            "(chmod 600; or point PGPASSFILE at it)."
        )
    if "does not exist" in low and "database" in low:
        return (
            f"database {db!r} does not exist on the server at {where}. "
            f"Create it (e.g. `createdb {db}` or CREATE DATABASE {db}), or fix the URL."
        )
    if "role" in low and "does not exist" in low:
        return f"no such PostgreSQL user at {where}: {first}. Fix the user name in the URL."
    if (
        "connection refused" in low
        or "could not connect" in low
        or "timeout expired" in low
        or "no route to host" in low
        or "is the server running" in low
    ):
        return (
            f"cannot reach the PostgreSQL server at {where}: the server is down or unreachable "
            f"({first}). Start the server, or check host, port and firewall."
        )
    if "resolve host" in low or "could not translate host name" in low:
        return f"unknown host in {where}: {first}. Fix the host name in the URL."
    if "ssl" in low:
        return f"SSL problem connecting to {where}: {first}. Check the sslmode/sslrootcert options."
    return f"cannot connect to PostgreSQL at {where}: {first}"


def check_postgis(con: psycopg.Connection[Any], url: str, *, create: bool) -> str:
    """Return the PostGIS version in the database, creating the extension when allowed.

    Raises
    ------
    StoreError
        PostGIS is not installed in the database (and could not be created), with the
        commands an administrator runs to add it.
    """
    import psycopg

    row = con.execute("SELECT extversion FROM pg_extension WHERE extname = 'postgis'").fetchone()
    if row:
        return str(row[0])
    db = database_name(url)
    how = (
        f"Ask a database owner or superuser to run `CREATE EXTENSION postgis;` in database {db!r} "
        "(psql -d DATABASE -c 'CREATE EXTENSION postgis'); the server needs the PostGIS "
        "package (Debian: apt-get install postgresql-15-postgis-3)."
    )
    if not create:
        msg = (
            f"the PostGIS extension is not installed in database {db!r} at {redact_url(url)}. {how}"
        )
        raise StoreError(msg)
    try:
        with con.transaction():
            con.execute("CREATE EXTENSION IF NOT EXISTS postgis")
    except psycopg.Error as err:
        reason = _scrub(str(err), url).split("\n")[0]
        msg = f"cannot add the PostGIS extension to database {db!r} ({reason}). {how}"
        raise StoreError(msg) from None
    row = con.execute("SELECT extversion FROM pg_extension WHERE extname = 'postgis'").fetchone()
    return str(row[0]) if row else "?"
