"""A real ``ticketing serve`` on loopback over a temporary SQLite file (browser tests).

The database gets a synthetic history (``ticketing demo``), a candidate SLA
policy activated for a far-future date (so it is offered to what-if but
judges nothing live), and one token per person the tests play.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

import httpx

from tests.support.serving import free_port, wait_until_healthy
from ticketing.http.tokens import TokenStore
from ticketing.policies.sla_file import DATA_DIR
from ticketing.runtime import build_runtime
from ticketing.settings import Settings

if TYPE_CHECKING:
    from collections.abc import Iterator

STARTUP_SECONDS: Final = 30.0
CANDIDATE: Final = "strict-v2"
PEOPLE: Final = {
    "alice": "agent",
    "bob": "supervisor",
    "ana": "analyst",
    "audrey": "auditor",
}


def strict_policy(directory: Path) -> Path:
    """The default policy with every resolution target cut to a quarter."""
    text = (DATA_DIR / "default-v1.toml").read_text()
    text = text.replace('version = "default-v1"', f'version = "{CANDIDATE}"')
    text = re.sub(
        r'resolution = \{ within = "(\d+)h"',
        lambda m: f'resolution = {{ within = "{max(int(m.group(1)) // 4, 1)}h"',
        text,
    )
    path = directory / f"{CANDIDATE}.toml"
    path.write_text(text)
    return path


def _cli(env: dict[str, str], *args: str) -> None:
    script = Path(sys.executable).with_name("ticketing")
    subprocess.run(  # noqa: S603 - our own console script, fixed arguments
        [str(script), *args], env=env, check=True, capture_output=True, timeout=120
    )


def _tokens(db_url: str) -> dict[str, str]:
    runtime = build_runtime(Settings(db_url=db_url))
    try:
        store = TokenStore(runtime.engine)
        store.ensure_schema()
        now = runtime.clock.now()
        return {name: store.create(name, role, now)[1] for name, role in PEOPLE.items()}
    finally:
        runtime.close()


@dataclass
class Served:
    base: str
    tokens: dict[str, str]

    def api(self, person: str, method: str, path: str, **body: Any) -> Any:
        """Call the JSON API as ``person``; the decoded response."""
        response = httpx.request(
            method,
            f"{self.base}{path}",
            json=body if method != "GET" else None,
            headers={"Authorization": f"Bearer {self.tokens[person]}"},
            timeout=30,
        )
        response.raise_for_status()
        return response.json()

    def close_resolved(self) -> None:
        """Close the demo's resolved tickets, so resolution clocks have outcomes."""
        page = self.api("bob", "GET", "/tickets?state=resolved&limit=500")
        for item in page["items"]:
            self.api("bob", "POST", f"/tickets/{item['number']}/close")


def serve(directory: Path) -> Iterator[Served]:
    """Seed a database in ``directory``, serve it, stop the server afterwards."""
    db_url = f"sqlite:///{directory / 'console.db'}"
    env = {**os.environ, "TICKETING_DB_URL": db_url}
    _cli(env, "demo", "--tickets", "40", "--seed", "3")
    policy = strict_policy(directory)
    _cli(
        env, "sla", "activate", str(policy), "--effective-from", "2099-01-01T00:00:00Z"
    )
    tokens = _tokens(db_url)
    port = free_port()
    script = Path(sys.executable).with_name("ticketing")
    command = [str(script), "serve", "--host", "127.0.0.1", "--port", str(port)]
    command += ["--log-level", "warning"]
    log = (directory / "server.log").open("w")
    proc = subprocess.Popen(  # noqa: S603 - our own console script
        command, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
    )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_healthy(proc, base, STARTUP_SECONDS)
        served = Served(base, tokens)
        served.close_resolved()
        yield served
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(5)
        log.close()
