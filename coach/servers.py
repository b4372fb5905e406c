"""Throwaway local servers for the tests and benchmarks: PostgreSQL, `chroma run` and the Streamlit app.

PostgreSQL is Debian's (`initdb`/`postgres` from the `postgresql` package, `make db-deps`), run
as the `postgres` system user when we are root (it refuses to run as root), on a free loopback
port with trust authentication, in a temporary directory removed at stop. Nothing is downloaded.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import cast

ROOT = Path(__file__).resolve().parent.parent
_PROVIDER_VARS = ("OPENAI_API_KEY", "COACH_API_KEY", "OPENAI_BASE_URL", "COACH_BASE_URL", "COACH_CHROMA_HOST",
                  "CHROMA_HOST", "COACH_DATABASE_URL")


def free_port() -> int:
    """A free TCP port on the loopback interface."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _wait(check, timeout: float, what: str, proc: subprocess.Popen | None = None,
          log: Path | None = None) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"{what} exited with {proc.returncode}: {_tail(log)}")
        if time.monotonic() > deadline:
            raise TimeoutError(f"{what} did not start within {timeout:.0f} s: {_tail(log)}")
        time.sleep(0.1)


def _tail(log: Path | None) -> str:
    return log.read_text(errors="replace")[-1500:] if log and log.exists() else ""


def _stop(proc: subprocess.Popen, sig: int = signal.SIGTERM, timeout: float = 15) -> None:
    if proc.poll() is None:
        proc.send_signal(sig)
        try:
            proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)


# -- PostgreSQL ---------------------------------------------------------------------------------


def postgres_bin() -> Path | None:
    """The folder of Debian's PostgreSQL programs, or None when the package is not installed."""
    found = shutil.which("initdb")
    if found:
        return Path(os.path.realpath(found)).parent
    versions = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    return Path(versions[-1]).parent if versions else None


def postgres_unavailable() -> str | None:
    """Why no throwaway PostgreSQL can start here (None when one can)."""
    if postgres_bin() is None:
        return "PostgreSQL is not installed (Debian's postgresql package; `make db-deps` installs it)"
    if os.geteuid() == 0:
        try:
            pwd.getpwnam("postgres")
        except KeyError:
            return "running as root and there is no 'postgres' user to run PostgreSQL as"
        if not shutil.which("runuser"):
            return "running as root without runuser to start PostgreSQL as 'postgres'"
    return None


@dataclass
class Postgres:
    """A running throwaway PostgreSQL server."""

    proc: subprocess.Popen
    port: int
    folder: Path
    log: Path

    @property
    def url(self) -> str:
        return f"postgresql://coach@127.0.0.1:{self.port}/coach"

    def database(self, name: str) -> str:
        """Create an empty database and return its URL."""
        import psycopg

        with psycopg.connect(f"host=127.0.0.1 port={self.port} user=coach dbname=postgres",
                             autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        return f"postgresql://coach@127.0.0.1:{self.port}/{name}"

    def stop(self) -> None:
        _stop(self.proc, signal.SIGINT)  # "fast" shutdown
        shutil.rmtree(self.folder, ignore_errors=True)


def start_postgres(timeout: float = 60) -> Postgres:
    """initdb a fresh cluster in a temporary folder and start it on a free port; raises when it cannot."""
    why = postgres_unavailable()
    if why:
        raise RuntimeError(why)
    bindir = cast(Path, postgres_bin())  # not None: checked by postgres_unavailable()
    folder = Path(tempfile.mkdtemp(prefix="coach-pg-"))
    as_user: list[str] = []
    if os.geteuid() == 0:
        entry = pwd.getpwnam("postgres")
        os.chown(folder, entry.pw_uid, entry.pw_gid)
        as_user = ["runuser", "-u", "postgres", "--"]
    data, log = folder / "data", folder / "server.log"
    subprocess.run([*as_user, str(bindir / "initdb"), "-D", str(data), "-U", "coach", "--auth=trust",
                    "--encoding=UTF8", "--no-sync"], check=True, capture_output=True, timeout=120)
    port = free_port()
    with open(os.open(log, os.O_WRONLY | os.O_CREAT, 0o666), "w") as out:
        if as_user:
            os.chown(log, pwd.getpwnam("postgres").pw_uid, -1)
        proc = subprocess.Popen([*as_user, str(bindir / "postgres"), "-D", str(data), "-p", str(port),
                                 "-h", "127.0.0.1", "-k", str(folder), "-c", "fsync=off",
                                 "-c", "max_connections=200"], stdout=out, stderr=subprocess.STDOUT)
    server = Postgres(proc, port, folder, log)
    try:
        _wait(lambda: _pg_ready(port), timeout, "postgres", proc, log)
        import psycopg

        with psycopg.connect(f"host=127.0.0.1 port={port} user=coach dbname=postgres",
                             autocommit=True) as conn:
            conn.execute("CREATE DATABASE coach")
    except BaseException:
        server.stop()
        raise
    return server


def _pg_ready(port: int) -> bool:
    try:
        import psycopg

        with psycopg.connect(f"host=127.0.0.1 port={port} user=coach dbname=postgres", connect_timeout=1):
            return True
    except Exception:  # noqa: BLE001 - not up yet
        return False


# -- Chroma -------------------------------------------------------------------------------------


@dataclass
class Chroma:
    proc: subprocess.Popen
    port: int
    log: Path

    def stop(self) -> None:
        _stop(self.proc)


def start_chroma(folder: Path, timeout: float = 60) -> Chroma:
    """`chroma run` (it ships with chromadb) on a free loopback port over `folder`."""
    exe = Path(sys.executable).parent / "chroma"
    exe_path = str(exe) if exe.exists() else shutil.which("chroma")
    if not exe_path:
        raise RuntimeError("the `chroma` executable is not installed (it ships with the chromadb package)")
    folder.mkdir(parents=True, exist_ok=True)
    port, log = free_port(), folder / "chroma.log"
    with log.open("wb") as out:
        proc = subprocess.Popen([exe_path, "run", "--host", "127.0.0.1", "--port", str(port), "--path",
                                 str(folder / "db")], stdout=out, stderr=subprocess.STDOUT)
    server = Chroma(proc, port, log)
    try:
        _wait(lambda: _ok(f"http://127.0.0.1:{port}/api/v2/heartbeat"), timeout, "chroma run", proc, log)
    except BaseException:
        server.stop()
        raise
    return server


def _ok(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=1) as reply:
            return reply.status == 200
    except OSError:
        return False


# -- the app ------------------------------------------------------------------------------------


def app_env(data_dir: Path, **settings: str) -> dict[str, str]:
    """The app's environment: its own data dir, the offline engine, no provider settings, plus `settings`."""
    env = {k: v for k, v in os.environ.items() if k not in _PROVIDER_VARS}
    return env | {"COACH_DATA_DIR": str(data_dir), "COACH_ENGINE": "offline",
                  "PYTHONUNBUFFERED": "1"} | settings


@dataclass
class App:
    """A running `streamlit run app.py`."""

    proc: subprocess.Popen
    url: str
    log: Path

    def kill(self) -> None:
        """SIGKILL: the server dies mid-whatever, as in a crash."""
        _stop(self.proc, signal.SIGKILL)

    def stop(self) -> None:
        _stop(self.proc)


def start_app(data_dir: Path, timeout: float = 60, **settings: str) -> App:
    """Start the app on a free loopback port with these COACH_ settings; waits for its health endpoint."""
    data_dir.mkdir(parents=True, exist_ok=True)
    port = free_port()
    log = data_dir / f"streamlit-{port}.log"
    command = [sys.executable, "-m", "streamlit", "run", str(ROOT / "app.py"), "--server.headless", "true",
               "--server.address", "127.0.0.1", "--server.port", str(port),
               "--browser.gatherUsageStats", "false"]
    with log.open("w") as out:
        proc = subprocess.Popen(command, cwd=ROOT, env=app_env(data_dir, **settings), stdout=out,
                                stderr=subprocess.STDOUT)
    server = App(proc, f"http://127.0.0.1:{port}", log)
    try:
        _wait(lambda: _ok(f"{server.url}/_stcore/health"), timeout, "streamlit", proc, log)
    except BaseException:
        server.stop()
        raise
    return server
