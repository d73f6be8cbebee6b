"""Activating policy versions: recorded with their documents, immutable versions."""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING

import pytest

from tests.support.runtime import ADMIN_CTX, START, sqlite_runtime
from ticketing.aggregates.policy import PolicyTrack, policy_track_id
from ticketing.commands.admin_messages import ActivatePolicy
from ticketing.errors import (
    InvalidCommandError,
    InvalidTransitionError,
    NoChangeError,
    PolicyError,
)

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

    from ticketing.runtime import Runtime


def _version_line(documents: dict[str, str]) -> str:
    text = documents.get("policy.toml", "")
    for line in text.splitlines():
        if line.startswith("version = "):
            return line.split("=", 1)[1].strip().strip('"')
    raise PolicyError.at("policy.toml", "version", "missing")


@pytest.fixture
def runtime(tmp_path: Path) -> Iterator[Runtime]:
    rt, _ = sqlite_runtime(tmp_path)
    rt.service.policy_validators["sla"] = _version_line
    yield rt
    rt.close()


def _track(runtime: Runtime) -> PolicyTrack:
    found: object = runtime.app.repository.get(policy_track_id("sla"))
    assert isinstance(found, PolicyTrack)
    return found


def test_activation_records_version_documents_and_digest(runtime: Runtime) -> None:
    docs = {"policy.toml": 'version = "v1"\n', "calendars/x.toml": "zone = 'UTC'\n"}

    runtime.service.execute(ActivatePolicy(kind="sla", documents=docs), ADMIN_CTX)

    track = _track(runtime)
    assert track.active_version == "v1"
    assert track.activations[0][1] == START
    assert len(track.activations[0][2]) == 64


def test_the_same_version_with_other_content_is_refused(runtime: Runtime) -> None:
    runtime.service.execute(
        ActivatePolicy(kind="sla", documents={"policy.toml": 'version = "v1"\n'}),
        ADMIN_CTX,
    )
    runtime.service.execute(
        ActivatePolicy(kind="sla", documents={"policy.toml": 'version = "v2"\n'}),
        ADMIN_CTX,
    )

    with pytest.raises(InvalidTransitionError):
        runtime.service.execute(
            ActivatePolicy(
                kind="sla", documents={"policy.toml": 'version = "v1"\n# edited\n'}
            ),
            ADMIN_CTX,
        )


def test_reactivating_the_active_version_changes_nothing(runtime: Runtime) -> None:
    docs = {"policy.toml": 'version = "v1"\n'}
    runtime.service.execute(ActivatePolicy(kind="sla", documents=docs), ADMIN_CTX)

    with pytest.raises(NoChangeError):
        runtime.service.execute(ActivatePolicy(kind="sla", documents=docs), ADMIN_CTX)


def test_a_past_effective_time_is_refused(runtime: Runtime) -> None:
    cmd = ActivatePolicy(
        kind="sla",
        documents={"policy.toml": 'version = "v1"\n'},
        effective_from=START - timedelta(days=1),
    )

    with pytest.raises(InvalidTransitionError):
        runtime.service.execute(cmd, ADMIN_CTX)


def test_an_invalid_document_activates_nothing(runtime: Runtime) -> None:
    with pytest.raises(PolicyError):
        runtime.service.execute(
            ActivatePolicy(kind="sla", documents={"policy.toml": "nope\n"}), ADMIN_CTX
        )

    assert runtime.recorder.max_notification_id() is None


def test_a_kind_without_validator_is_refused(runtime: Runtime) -> None:
    del runtime.service.policy_validators["rules"]  # a build without rules

    with pytest.raises(InvalidCommandError):
        runtime.service.execute(
            ActivatePolicy(kind="rules", documents={"r.toml": "x"}), ADMIN_CTX
        )
