"""Parsing a directory snapshot from TOML data."""

from __future__ import annotations

import tomllib
from typing import Any

import pytest

from ticketing.errors import PolicyError
from ticketing.rules import Agent, Directory, parse_directory


def test_demo_directory_knows_the_default_queues(directory: Directory) -> None:
    assert {
        "service-desk",
        "network",
        "database",
        "access-management",
    } <= directory.queues
    assert [a.id for a in directory.members_of("iam")] == ["ian", "iris", "ivo"]
    assert directory.agents["cleo"] == Agent(
        "cleo", frozenset({"office", "printers"}), capacity=8, on_shift=False
    )
    assert directory.agents["hal"].capacity is None


def test_directory_is_read_only(directory: Directory) -> None:
    with pytest.raises(TypeError):
        directory.agents["x"] = Agent("x")  # type: ignore[index]


BAD: list[tuple[str, str]] = [
    ('queues = "desk"', "queues"),
    ('queues = ["desk"]\n[[agent]]\nname = "ann"', "agent[0]"),
    ('queues = []\n[[agent]]\nid = "ann"\nskills = "vpn"', "agent[0].skills"),
    ('queues = []\n[[agent]]\nid = "ann"\ncapacity = -1', "agent[0].capacity"),
    ('queues = []\n[[agent]]\nid = "ann"\ncapacity = true', "agent[0].capacity"),
    ('queues = []\n[[agent]]\nid = "ann"\non_shift = "yes"', "agent[0].on_shift"),
    ('queues = []\n[[group]]\nmembers = ["ann"]', "group[0]"),
    ('queues = []\n[[group]]\nid = "g"\nmembers = "ann"', "group[0].members"),
    ('queues = []\n[[group]]\nid = "g"\nmembers = ["ann"]', "group"),
]


@pytest.mark.parametrize(("text", "field"), BAD)
def test_bad_directory_data_is_rejected(text: str, field: str) -> None:
    raw: dict[str, Any] = tomllib.loads(text)

    with pytest.raises(PolicyError) as caught:
        parse_directory(raw, "dir.toml")

    assert caught.value.details["file"] == "dir.toml"
    assert caught.value.details["field"] == field
