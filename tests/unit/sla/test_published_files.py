"""Published SLA policy and calendar versions are immutable.

A published file's content is pinned here by hash. Changing a rule means adding a
new version file (and its hash below), never editing a published one: figures
computed under an old version must stay reproducible.
"""

from __future__ import annotations

import hashlib

import pytest

from ticketing.policies.calendar_file import DATA_DIR as CALENDARS
from ticketing.policies.sla_file import DATA_DIR as POLICIES

DATA = POLICIES.parent
PUBLISHED = {
    "calendars/24x7-v1.toml": (
        "50f46a6cc67617026a5f98ec39dfa86d6dad1f4d2a83e1ebf4f74ac193bc0e96"
    ),
    "calendars/nl-office-v1.toml": (
        "c4af8d30e54d9b7ec308c55382658bf63888b4d252a61646f5adf7eab7ca7af4"
    ),
    "calendars/us-office-v1.toml": (
        "da91ac0c36ebf3721377bcd93785eaab6937a85a03a72cd2fe59c02a6bc093c6"
    ),
    "sla/default-v1.toml": (
        "eca0e798761bdc625b85d0b39607266536bf7b0f1e203189a878c2ea0a631965"
    ),
}


def _digest(relative: str) -> str:
    content = (DATA / relative).read_bytes().replace(b"\r\n", b"\n")
    return hashlib.sha256(content).hexdigest()


@pytest.mark.parametrize(("relative", "digest"), sorted(PUBLISHED.items()))
def test_published_file_is_unchanged(relative: str, digest: str) -> None:
    assert _digest(relative) == digest, (
        f"{relative} is published and must not change: add a new version instead"
    )


def test_every_shipped_file_is_registered_as_published() -> None:
    shipped = {
        str(path.relative_to(DATA))
        for folder in (CALENDARS, POLICIES)
        for path in folder.glob("*.toml")
    }

    assert shipped == set(PUBLISHED)
