"""CLI: the directory of agents and groups (thin wrappers over the admin commands).

Agents and groups are event-sourced: every change here is an event in the log
(who did it, when), and the rules engine assigns work from this directory.
"""

from __future__ import annotations

import getpass
import os
import tomllib
from pathlib import Path  # noqa: TC003 - typer resolves annotations at run time
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from ticketing.aggregates.envelope import Actor
from ticketing.cli.app import app, fail, open_runtime, print_json
from ticketing.commands import admin_messages as a
from ticketing.commands.service import CommandContext
from ticketing.errors import ConflictError, NoChangeError
from ticketing.rules.directory import parse_directory
from ticketing.rules.view import SourceReader
from ticketing.rules.wiring import current_directory

if TYPE_CHECKING:
    from ticketing.commands.messages import Command
    from ticketing.rules.directory import Directory

agents_app = typer.Typer(help="Agents: skills, capacity, shift.", no_args_is_help=True)
groups_app = typer.Typer(help="Groups and their members.", no_args_is_help=True)
app.add_typer(agents_app, name="agents")
app.add_typer(groups_app, name="groups")

ActorOption = Annotated[
    str | None,
    typer.Option(
        "--actor",
        help="Who is acting (recorded in the log; default: $TICKETING_ACTOR or "
        "the login name).",
    ),
]
JsonFlag = Annotated[bool, typer.Option("--json", help="Machine-readable output.")]


def operator_context(actor: str | None) -> CommandContext:
    """The context of an operator's command from the command line."""
    name = actor or os.environ.get("TICKETING_ACTOR") or _login()
    return CommandContext(actor=Actor(id=name, role="admin", kind="human"))


def _login() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no login name in some containers
        return "operator"


def _run(command: Command, actor: str | None, done: str) -> None:
    with open_runtime() as runtime:
        result = runtime.service.execute(command, operator_context(actor))
    suffix = " (already done: same command id)" if result.replayed else ""
    typer.echo(f"{done} [{result.reference} v{result.version}]{suffix}")


def _skills(value: str) -> tuple[str, ...]:
    return tuple(s.strip() for s in value.split(",") if s.strip())


@agents_app.command("add")
def agent_add(
    agent_id: str,
    *,
    name: Annotated[str | None, typer.Option(help="Display name.")] = None,
    skills: Annotated[str, typer.Option(help="Comma-separated skills.")] = "",
    capacity: Annotated[int, typer.Option(help="Open tickets they may hold.")] = 10,
    off_shift: Annotated[bool, typer.Option("--off-shift")] = False,
    actor: ActorOption = None,
) -> None:
    """Register an agent."""
    cmd = a.RegisterAgent(
        agent_id=agent_id,
        display_name=name or agent_id,
        skills=_skills(skills),
        capacity=capacity,
        on_shift=not off_shift,
    )
    _run(cmd, actor, f"agent {agent_id} registered")


@agents_app.command("skills")
def agent_skills(
    agent_id: str,
    skills: Annotated[list[str], typer.Argument(help="The complete new skill list.")],
    actor: ActorOption = None,
) -> None:
    """Replace an agent's skills."""
    cmd = a.ChangeAgentSkills(agent_id=agent_id, skills=tuple(skills))
    _run(cmd, actor, f"agent {agent_id} skills: {', '.join(skills)}")


@agents_app.command("capacity")
def agent_capacity(agent_id: str, capacity: int, actor: ActorOption = None) -> None:
    """Set how many open tickets an agent may hold (0: takes nothing new)."""
    cmd = a.SetAgentCapacity(agent_id=agent_id, capacity=capacity)
    _run(cmd, actor, f"agent {agent_id} capacity {capacity}")


@agents_app.command("shift")
def agent_shift(
    agent_id: str,
    state: Annotated[str, typer.Argument(help="on or off")],
    actor: ActorOption = None,
) -> None:
    """Put an agent on or off shift (off-shift agents get no automatic work)."""
    if state not in ("on", "off"):
        raise fail(f"shift must be 'on' or 'off', not {state!r}")
    cmd = a.SetAgentShift(agent_id=agent_id, on_shift=state == "on")
    _run(cmd, actor, f"agent {agent_id} {state} shift")


@groups_app.command("add")
def group_add(
    group_id: str,
    name: Annotated[str | None, typer.Option(help="Display name.")] = None,
    actor: ActorOption = None,
) -> None:
    """Create a group."""
    cmd = a.CreateGroup(group_id=group_id, display_name=name or group_id)
    _run(cmd, actor, f"group {group_id} created")


@groups_app.command("member-add")
def member_add(group_id: str, agent_id: str, actor: ActorOption = None) -> None:
    """Add an agent to a group."""
    cmd = a.AddGroupMember(group_id=group_id, agent_id=agent_id)
    _run(cmd, actor, f"{agent_id} added to {group_id}")


@groups_app.command("member-remove")
def member_remove(group_id: str, agent_id: str, actor: ActorOption = None) -> None:
    """Remove an agent from a group."""
    cmd = a.RemoveGroupMember(group_id=group_id, agent_id=agent_id)
    _run(cmd, actor, f"{agent_id} removed from {group_id}")


@agents_app.command("import")
def agents_import(
    path: Annotated[Path, typer.Argument(help="A directory file (TOML).")],
    actor: ActorOption = None,
) -> None:
    """Register the agents, groups and members of a directory file (idempotent).

    The format is the one of policies/data/rules/directories/demo.toml
    (``[[agent]]`` with id, skills, capacity, on_shift; ``[[group]]`` with id
    and members). What exists already is left as it is.
    """
    try:
        raw = tomllib.loads(path.read_text("utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise fail(f"{path}: {exc}") from None
    directory = parse_directory(raw, str(path))
    ctx = operator_context(actor)
    done = skipped = 0
    with open_runtime() as runtime:
        for command in directory_commands(directory):
            try:
                runtime.service.execute(command, ctx)
                done += 1
            except (ConflictError, NoChangeError):
                skipped += 1
    typer.echo(f"{done} change(s) recorded, {skipped} already in place")


def directory_commands(directory: Directory) -> list[Command]:
    """The admin commands that record ``directory`` in the log."""
    commands: list[Command] = [
        a.RegisterAgent(
            agent_id=agent.id,
            display_name=agent.id,
            skills=tuple(sorted(agent.skills)),
            capacity=a.MAX_CAPACITY if agent.capacity is None else agent.capacity,
            on_shift=agent.on_shift,
        )
        for agent in sorted(directory.agents.values(), key=lambda x: x.id)
    ]
    for group in sorted(directory.groups.values(), key=lambda g: g.id):
        commands.append(a.CreateGroup(group_id=group.id, display_name=group.id))
        commands.extend(
            a.AddGroupMember(group_id=group.id, agent_id=member)
            for member in sorted(group.members)
        )
    return commands


@agents_app.command("list")
def agents_list(as_json: JsonFlag = False) -> None:
    """Agents and groups as the log has them now."""
    with open_runtime() as runtime:
        directory = current_directory(SourceReader(runtime.projections.source))
    groups_of = {
        agent: sorted(g.id for g in directory.groups.values() if agent in g.members)
        for agent in directory.agents
    }
    rows: list[dict[str, Any]] = [
        {
            "agent_id": agent.id,
            "skills": sorted(agent.skills),
            "capacity": agent.capacity,
            "on_shift": agent.on_shift,
            "groups": groups_of[agent.id],
        }
        for agent in sorted(directory.agents.values(), key=lambda x: x.id)
    ]
    if as_json:
        print_json(rows)
        return
    table = Table("agent", "on shift", "capacity", "skills", "groups")
    for r in rows:
        table.add_row(
            r["agent_id"],
            "yes" if r["on_shift"] else "no",
            str(r["capacity"]),
            ", ".join(r["skills"]),
            ", ".join(r["groups"]),
        )
    Console().print(table)
