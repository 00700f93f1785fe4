"""A throwaway PostgreSQL 15 + PostGIS 3 server for the tests (and the PostGIS benchmark).

``find_or_start()`` returns a :class:`PgServer`:

- with ``TRACKER_TEST_PG_URL`` set, that server is used as is (it must allow ``CREATE
  DATABASE`` / ``CREATE SCHEMA`` and have the PostGIS extension available);
- otherwise, when the Debian packages ``postgresql-15`` and ``postgresql-15-postgis-3`` are
  installed, a private server is started in a temporary data directory, bound to 127.0.0.1 on a
  free port, run as the ``postgres`` user when we are root (the server refuses to run as root),
  with password (scram) authentication on TCP;
- otherwise :class:`PgUnavailable` says how to get one.

The server is stopped and its directory removed by :meth:`PgServer.stop` (also at exit).
Settings favour test speed (``fsync=off``) unless ``durable=True`` (the benchmark).
"""

from __future__ import annotations

import atexit
import contextlib
import os
import secrets
import shutil
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote, urlsplit, urlunsplit

PG_BIN = Path("/usr/lib/postgresql/15/bin")
POSTGIS_CONTROL = Path("/usr/share/postgresql/15/extension/postgis.control")
HOWTO = (
    "PostGIS tests need a PostgreSQL 15 + PostGIS 3 server: as root run "
    "`apt-get install postgresql-15 postgresql-15-postgis-3` (the tests then start a throwaway "
    "server themselves), or set TRACKER_TEST_PG_URL=postgresql://USER:PASSWORD@HOST:PORT/DB "
    "to a server where USER may create schemas, databases and roles and PostGIS is installed."
)


class PgUnavailable(RuntimeError):
    """No PostgreSQL + PostGIS server could be found or started."""


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def with_database(url: str, dbname: str) -> str:
    """Return ``url`` pointing at database ``dbname`` (query string kept)."""
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, "/" + quote(dbname), parts.query, ""))


def with_password(url: str, password: str | None) -> str:
    """Return ``url`` with its password replaced (``None`` drops it)."""
    parts = urlsplit(url)
    user = parts.username or ""
    host = parts.hostname or ""
    if ":" in host:
        host = f"[{host}]"
    netloc = quote(user, safe="")
    if password is not None:
        netloc += ":" + quote(password, safe="")
    netloc += "@" + host + (f":{parts.port}" if parts.port else "")
    return urlunsplit((parts.scheme, netloc, parts.path, parts.query, ""))


@dataclass
class PgServer:
    """A reachable server: ``url`` is a superuser/owner URL to a database with PostGIS."""

    url: str
    owned: bool = False  # we started it (and must stop it)
    datadir: Path | None = None
    port: int | None = None
    password: str | None = None
    _counter: int = field(default=0, repr=False)
    _made: list[tuple[str, str]] = field(default_factory=list, repr=False)  # (kind, name)
    _stopped: bool = field(default=False, repr=False)

    def admin(self):  # -> psycopg.Connection
        """Open an autocommit connection to the server's PostGIS database."""
        import psycopg

        return psycopg.connect(self.url, autocommit=True, connect_timeout=10)

    def fresh_schema_url(self, prefix: str = "t") -> str:
        """Create an empty schema and return a URL whose search_path starts with it.

        Much faster than a database per test; the store creates its tables unqualified, so
        they land in that schema. PostGIS stays in ``public``.
        """
        self._counter += 1
        name = f"{prefix}_{os.getpid()}_{self._counter}_{secrets.token_hex(3)}"
        with self.admin() as con:
            con.execute(f'CREATE SCHEMA "{name}"')
        self._made.append(("schema", name))
        sep = "&" if "?" in self.url else "?"
        return f"{self.url}{sep}options=-csearch_path%3D{name}%2Cpublic"

    def fresh_database_url(self, *, postgis: bool = True) -> str:
        """Create an empty database (with or without PostGIS) and return its URL."""
        self._counter += 1
        name = f"tdb_{os.getpid()}_{self._counter}_{secrets.token_hex(3)}"
        with self.admin() as con:
            con.execute(f'CREATE DATABASE "{name}" TEMPLATE template0')
        self._made.append(("database", name))
        url = with_database(self.url, name)
        if postgis:
            import psycopg

            with psycopg.connect(url, autocommit=True) as con:
                con.execute("CREATE EXTENSION IF NOT EXISTS postgis")
        return url

    def create_role(self, prefix: str) -> tuple[str, str]:
        """Create a login role with a random name and password; return both."""
        name = f"{prefix}_{secrets.token_hex(3)}"
        password = secrets.token_urlsafe(12)
        with self.admin() as con:
            con.execute(f"CREATE ROLE {name} LOGIN PASSWORD '{password}'")
        self._made.append(("role", name))
        return name, password

    def drop_schema(self, name: str) -> None:
        """Drop one schema made by :meth:`fresh_schema_url` (and everything in it)."""
        with self.admin() as con:
            con.execute(f'DROP SCHEMA IF EXISTS "{name}" CASCADE')
        self._made = [m for m in self._made if m != ("schema", name)]

    def cleanup(self) -> None:
        """Drop every schema, database and role made here (for a server we did not start)."""
        import psycopg

        with self.admin() as con:
            for kind, name in reversed(self._made):
                try:
                    if kind == "schema":
                        con.execute(f'DROP SCHEMA IF EXISTS "{name}" CASCADE')
                    elif kind == "database":
                        con.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
                    else:
                        con.execute(f"DROP OWNED BY {name}")
                        con.execute(f"DROP ROLE IF EXISTS {name}")
                except psycopg.Error:
                    pass  # best effort: a leftover must not fail the session
        self._made = []

    def stop(self) -> None:
        """Stop the server we started and remove its data directory; else clean up."""
        if self._stopped:
            return
        self._stopped = True
        if not self.owned or self.datadir is None:
            self.cleanup()
            return
        with contextlib.suppress(subprocess.SubprocessError, OSError):
            _as_pg(
                [
                    str(PG_BIN / "pg_ctl"),
                    "-D",
                    str(self.datadir / "data"),
                    "-m",
                    "immediate",
                    "-w",
                    "stop",
                ],
                timeout=60,
            )
        shutil.rmtree(self.datadir, ignore_errors=True)


def _as_pg(cmd: list[str], timeout: float = 120) -> subprocess.CompletedProcess[str]:
    if os.geteuid() == 0:
        cmd = ["runuser", "-u", "postgres", "--", *cmd]
    return subprocess.run(cmd, check=True, capture_output=True, text=True, timeout=timeout)


def start_server(*, durable: bool = False, extra: dict[str, str] | None = None) -> PgServer:
    """Start a private server in a temporary directory; raise :class:`PgUnavailable`."""
    if not (PG_BIN / "initdb").exists() or not POSTGIS_CONTROL.exists():
        raise PgUnavailable(HOWTO)
    if os.geteuid() == 0:
        try:
            import pwd

            pw = pwd.getpwnam("postgres")
        except KeyError as err:
            raise PgUnavailable("no `postgres` OS user to run the server as. " + HOWTO) from err
    top = Path(tempfile.mkdtemp(prefix="tracker-pg-"))
    password = secrets.token_urlsafe(18)
    pwfile = top / "pw"
    pwfile.write_text(password + "\n")
    if os.geteuid() == 0:
        os.chown(top, pw.pw_uid, pw.pw_gid)
        os.chown(pwfile, pw.pw_uid, pw.pw_gid)
    os.chmod(pwfile, 0o600)
    data = top / "data"
    port = _free_port()
    try:
        _as_pg(
            [
                str(PG_BIN / "initdb"),
                "-D",
                str(data),
                "-U",
                "postgres",
                "--auth-local=trust",
                "--auth-host=scram-sha-256",
                f"--pwfile={pwfile}",
                "--no-sync",
                "-E",
                "UTF8",
                "--locale=C",
            ]
        )
        pwfile.unlink()
        settings = {
            "listen_addresses": "127.0.0.1",
            "port": str(port),
            "unix_socket_directories": str(top),
            "jit": "off",
            "max_connections": "60",
            "shared_buffers": "128MB",
        }
        if not durable:
            settings.update(fsync="off", synchronous_commit="off", full_page_writes="off")
        settings.update(extra or {})
        with open(data / "postgresql.auto.conf", "a") as f:
            for k, v in settings.items():
                f.write(f"{k} = '{v}'\n")
        _as_pg(
            [
                str(PG_BIN / "pg_ctl"),
                "-D",
                str(data),
                "-l",
                str(top / "log.txt"),
                "-w",
                "-t",
                "60",
                "start",
            ]
        )
    except (subprocess.SubprocessError, OSError) as err:
        detail = getattr(err, "stderr", "") or str(err)
        shutil.rmtree(top, ignore_errors=True)
        raise PgUnavailable(
            f"could not start a throwaway PostgreSQL server: {detail.strip()}"
        ) from err
    url = f"postgresql://postgres:{quote(password, safe='')}@127.0.0.1:{port}/postgres"
    srv = PgServer(url=url, owned=True, datadir=top, port=port, password=password)
    atexit.register(srv.stop)
    try:
        _wait_ready(url)
        with srv.admin() as con:
            con.execute("CREATE DATABASE tracker_test TEMPLATE template0")
        srv.url = with_database(url, "tracker_test")
        with srv.admin() as con:
            con.execute("CREATE EXTENSION IF NOT EXISTS postgis")
    except Exception as err:
        srv.stop()
        raise PgUnavailable(f"the throwaway PostgreSQL server did not come up: {err}") from err
    return srv


def _wait_ready(url: str, timeout: float = 30) -> None:
    import psycopg

    deadline = time.monotonic() + timeout
    while True:
        try:
            with psycopg.connect(url, connect_timeout=5):
                return
        except psycopg.OperationalError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


def use_existing(url: str) -> PgServer:
    """Check an existing server given by URL (``TRACKER_TEST_PG_URL``) and enable PostGIS."""
    try:
        import psycopg

        with psycopg.connect(url, autocommit=True, connect_timeout=10) as con:
            con.execute("CREATE EXTENSION IF NOT EXISTS postgis")
    except Exception as err:
        raise PgUnavailable(
            f"TRACKER_TEST_PG_URL is set but the server is not usable: {type(err).__name__}: "
            f"{str(err).strip()}. " + HOWTO
        ) from err
    return PgServer(url=url, owned=False)


def find_or_start(*, durable: bool = False) -> PgServer:
    """Return the server named by ``TRACKER_TEST_PG_URL``, else start a throwaway one."""
    env = os.environ.get("TRACKER_TEST_PG_URL")
    if env:
        return use_existing(env)
    return start_server(durable=durable)
