"""SLA policy documents: what an activation carries, checked before it is recorded.

An SLA activation stores the policy file as ``policy.toml`` and every calendar
it counts in as ``calendars/<version>.toml``, so a rebuild years later needs
nothing but the log. ``parse_sla_documents`` checks them all (and that a
published version name is not reused for other content); the ``load_*``
helpers assemble documents from files or from the published package data.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, Final

from ticketing.aggregates.policy import documents_digest
from ticketing.errors import PolicyError
from ticketing.policies.calendar_file import DATA_DIR as CALENDAR_DIR
from ticketing.policies.calendar_file import parse_calendar
from ticketing.policies.sla_file import DATA_DIR as POLICY_DIR
from ticketing.policies.sla_file import parse_sla_policy
from ticketing.sla.clocks import SlaEvaluator

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping

    from ticketing.policies.calendar import Calendar
    from ticketing.policies.sla import SlaPolicy

SLA_KIND: Final = "sla"
POLICY_DOCUMENT: Final = "policy.toml"
CALENDAR_PREFIX: Final = "calendars/"


@dataclass(frozen=True, slots=True)
class SlaBundle:
    """A validated policy with exactly the calendars it counts in, and its source."""

    policy: SlaPolicy
    calendars: Mapping[str, Calendar] = field(hash=False)
    documents: Mapping[str, str] = field(hash=False)

    @property
    def version(self) -> str:
        return self.policy.version

    @property
    def sha256(self) -> str:
        """The digest an activation of these documents records."""
        return documents_digest(dict(self.documents))

    def evaluator(self) -> SlaEvaluator:
        return SlaEvaluator(self.policy, self.calendars)


def _decode(text: str, source: str) -> dict[str, Any]:
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise PolicyError.at(source, "(file)", f"not valid TOML: {exc}") from exc
    except RecursionError:
        reason = "not valid TOML: arrays or tables nested too deeply"
        raise PolicyError.at(source, "(file)", reason) from None


def _normalised(text: str) -> str:
    return text.replace("\r\n", "\n")


def _check_published(directory: Path, version: str, text: str, source: str) -> None:
    """A published version name may only carry the published content."""
    published = directory / f"{version}.toml"
    if published.is_file() and _normalised(
        published.read_text(encoding="utf-8")
    ) != _normalised(text):
        reason = (
            f"{version!r} is a published version with other content; published "
            "versions are immutable, give the changed file a new version"
        )
        raise PolicyError.at(source, "version", reason)


def parse_sla_documents(
    documents: Mapping[str, str], sources: Mapping[str, str] | None = None
) -> SlaBundle:
    """Check an activation's documents; PolicyError naming the file and field.

    ``sources`` maps document names to what errors should call them (the file
    paths they were read from); by default the document names themselves.
    """
    names = dict(sources or {})
    for name in documents:
        if name != POLICY_DOCUMENT and not (
            name.startswith(CALENDAR_PREFIX) and name.endswith(".toml")
        ):
            reason = (
                f"unexpected document {name!r}: an SLA activation carries "
                f"{POLICY_DOCUMENT!r} and 'calendars/<version>.toml' files"
            )
            raise PolicyError.at(name, "documents", reason)
    if POLICY_DOCUMENT not in documents:
        reason = f"the policy itself ({POLICY_DOCUMENT!r}) is missing"
        raise PolicyError.at("(documents)", "documents", reason)
    calendars: dict[str, Calendar] = {}
    for name, text in sorted(documents.items()):
        if name == POLICY_DOCUMENT:
            continue
        source = names.get(name, name)
        expected = name.removeprefix(CALENDAR_PREFIX).removesuffix(".toml")
        cal = parse_calendar(_decode(text, source), source)
        if cal.version != expected:
            reason = f"file declares {cal.version!r}, expected {expected!r}"
            raise PolicyError.at(source, "version", reason)
        _check_published(CALENDAR_DIR, cal.version, text, source)
        calendars[cal.version] = cal
    source = names.get(POLICY_DOCUMENT, POLICY_DOCUMENT)
    text = documents[POLICY_DOCUMENT]
    policy = parse_sla_policy(_decode(text, source), source, calendars)
    _check_published(POLICY_DIR, policy.version, text, source)
    unused = sorted(set(calendars) - policy.calendar_versions)
    if unused:
        reason = f"calendar(s) {', '.join(unused)} are not used by the policy"
        raise PolicyError.at(source, "documents", reason, unused=unused)
    return SlaBundle(
        policy=policy,
        calendars=MappingProxyType(calendars),
        documents=MappingProxyType(dict(documents)),
    )


def validate_sla_documents(documents: dict[str, str]) -> str:
    """``service.policy_validators["sla"]``: the version, or PolicyError."""
    return parse_sla_documents(documents).version


def calendar_document(version: str) -> str:
    return f"{CALENDAR_PREFIX}{version}.toml"


def referenced_calendars(raw: Mapping[str, Any]) -> set[str]:
    """Calendar names a decoded policy file mentions (best effort, for lookup)."""
    found: set[str] = set()

    def walk(value: object) -> None:
        if isinstance(value, dict):
            calendar = value.get("calendar")
            if isinstance(calendar, str):
                found.add(calendar)
            for inner in value.values():
                walk(inner)

    walk(raw.get("targets"))
    walk(raw.get("overrides"))
    return found


def load_published(version: str) -> SlaBundle:
    """A published policy version with its published calendars."""
    path = POLICY_DIR / f"{version}.toml"
    if not path.is_file():
        raise PolicyError.at(str(path), "version", f"no SLA policy {version!r}")
    return load_policy_file(path)


def load_policy_file(path: Path, calendar_files: Iterable[Path] = ()) -> SlaBundle:
    """A candidate policy file with the calendars it names.

    Each calendar is taken from ``calendar_files`` (by the version declared
    inside), else ``<version>.toml`` beside the policy file or in a
    ``calendars/`` folder next to it, else the published calendars.
    """
    documents = {POLICY_DOCUMENT: _read(path)}
    sources = {POLICY_DOCUMENT: str(path)}
    raw = _decode(documents[POLICY_DOCUMENT], str(path))
    given: dict[str, Path] = {}
    for file in calendar_files:
        version = _decode(_read(file), str(file)).get("version")
        if not isinstance(version, str) or not version:
            raise PolicyError.at(str(file), "version", "a calendar version is required")
        given[version] = file
    for version in sorted(referenced_calendars(raw)):
        for candidate in (
            given.get(version),
            path.parent / f"{version}.toml",
            path.parent / "calendars" / f"{version}.toml",
            CALENDAR_DIR / f"{version}.toml",
        ):
            if candidate is not None and candidate.is_file() and candidate != path:
                name = calendar_document(version)
                documents[name], sources[name] = _read(candidate), str(candidate)
                break
    return parse_sla_documents(documents, sources)


def parse_policy_text(
    policy: str, calendars: Mapping[str, str] | None = None, source: str = "policy"
) -> SlaBundle:
    """A candidate policy sent as text (an API body), checked like a file.

    ``calendars`` maps calendar versions to their file's text; every calendar
    the policy names and ``calendars`` lacks is taken from the published ones.
    Errors name ``source`` for the policy and ``calendars.<version>`` for each
    calendar given.
    """
    documents = {POLICY_DOCUMENT: policy}
    sources = {POLICY_DOCUMENT: source}
    given = dict(calendars or {})
    for version, text in given.items():
        name = calendar_document(version)
        documents[name], sources[name] = text, f"calendars.{version}"
    raw = _decode(policy, source)
    for version in sorted(referenced_calendars(raw) - given.keys()):
        published = CALENDAR_DIR / f"{version}.toml"
        if published.is_file():
            documents[calendar_document(version)] = _read(published)
    return parse_sla_documents(documents, sources)


def _read(file: Path) -> str:
    try:
        return file.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise PolicyError.at(str(file), "(file)", f"cannot read: {exc}") from exc


def load_candidate(ref: str, calendar_files: Iterable[Path] = ()) -> SlaBundle:
    """A policy given as a file path (``*.toml`` or existing) or a published version."""
    path = Path(ref)
    if ref.endswith(".toml") or path.exists():
        if not path.is_file():
            raise PolicyError.at(ref, "(file)", "no such file")
        return load_policy_file(path, calendar_files)
    return load_published(ref)
