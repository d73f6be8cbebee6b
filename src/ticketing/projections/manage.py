"""Lifecycle of projection generations: create, rebuild side by side, switch, drop.

``ProjectionHost`` is what the runtime, the runners and the CLI share: it knows
the log source, the projections by key, and how to find the tables a query
should read (the active generation).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy import create_engine, inspect
from sqlalchemy.exc import IntegrityError
from sqlalchemy.pool import StaticPool
from sqlalchemy.schema import CreateTable

from ticketing.errors import ProjectionError
from ticketing.gcbatch import paced_gc
from ticketing.projections import registry
from ticketing.projections.catalogue import select_projections
from ticketing.projections.catchup import catch_up, catch_up_together
from ticketing.projections.digest import Digest, digest_tables
from ticketing.store.datastore import (
    read_transaction,
    snapshot_transaction,
    write_transaction,
)

if TYPE_CHECKING:
    from collections.abc import Callable

    from sqlalchemy.engine import Connection, Engine

    from ticketing.clock import Clock
    from ticketing.projections.base import LogEvent, Projection
    from ticketing.projections.catchup import BatchDone, LogSource

logger = logging.getLogger(__name__)

#: Events per batch of a rebuild from position 0. Larger than catch-up's pages
#: (1,000): a fresh generation is read by nobody, so latency does not matter,
#: and each batch costs a transaction, a checkpoint update and a read of the
#: batch's existing rows (docs/performance.md, "Rebuild, second pass").
REBUILD_BATCH = 5000


@dataclass(frozen=True, slots=True)
class ActiveView:
    """What a query needs: the projection, its active generation and its tables."""

    projection: Projection[Any]
    generation: registry.Generation
    tables: Any


class ProjectionHost:
    """Owns the projections of one database."""

    def __init__(
        self,
        source: LogSource,
        projections: dict[str, Projection[Any]],
        clock: Clock,
    ) -> None:
        self.source = source
        self.projections = projections
        self.clock = clock
        #: Generations whose indexes this host has already brought up to date.
        self._indexed: set[tuple[str, int]] = set()
        registry.ensure_registry(source.engine)

    @property
    def engine(self) -> Engine:
        return self.source.engine

    def select(self, keys: list[str] | None) -> list[Projection[Any]]:
        return select_projections(self.projections, keys)

    # -- generations -------------------------------------------------------

    def ensure_active(self, projection: Projection[Any]) -> registry.Generation:
        """The active generation; the first one is created (empty) if none exists.

        Two processes starting at once on PostgreSQL both see none and both
        insert generation 1: the loser's insert fails on the registry's key,
        and it reads the winner's generation instead.
        """
        try:
            return self._ensure_active(projection)
        except IntegrityError:
            logger.info("%s: created concurrently by another process", projection.key)
            return self._ensure_active(projection)

    def _ensure_active(self, projection: Projection[Any]) -> registry.Generation:
        with write_transaction(self.engine) as conn:
            active = registry.get_active(conn, projection.key)
            if active is not None:
                self._add_missing_indexes(conn, projection, active)
                return active
            gen = registry.create_generation(
                conn,
                projection.key,
                projection.code_version,
                "active",
                self.clock.now(),
            )
            self._create_tables(conn, projection, gen)
            return gen

    def ensure_all_active(self) -> list[registry.Generation]:
        return [self.ensure_active(p) for p in self.projections.values()]

    def active_view(self, conn: Connection, key: str) -> ActiveView:
        projection = self.select([key])[0]
        gen = registry.get_active(conn, key)
        if gen is None:
            raise ProjectionError(
                f"projection {key} has not been built yet", {"projection": key}
            )
        return ActiveView(projection, gen, projection.tables(gen.table_prefix))

    def _add_missing_indexes(
        self, conn: Connection, projection: Projection[Any], gen: registry.Generation
    ) -> None:
        """Create the indexes a generation built by this code version lacks.

        Indexes change how fast a generation is read, never what it holds, so
        adding one does not bump ``code_version`` (which would stop the runner
        feeding the existing generation until a rebuild): a database built
        before the index existed gets it here, once per host and generation.
        """
        done = (projection.key, gen.generation)
        if done in self._indexed or gen.code_version != projection.code_version:
            return
        self._add_missing_tables(conn, projection, gen)
        create_indexes(conn, projection, gen.table_prefix)
        self._indexed.add(done)

    @staticmethod
    def _add_missing_tables(
        conn: Connection, projection: Projection[Any], gen: registry.Generation
    ) -> None:
        """Create the tables a generation lacks and let the projection fill them.

        Only derived tables (aggregates of the generation's other tables, kept
        out of its digest) are ever added this way; they are filled from those
        tables in this transaction, so the generation needs no rebuild.
        """
        tables = projection.tables(gen.table_prefix)
        existing = set(inspect(conn).get_table_names())
        created = set()
        for table in projection.all_tables(tables):
            if table.name not in existing:
                table.create(conn)
                created.add(table.name)
        if created:
            logger.info("%s: adding tables %s", projection.key, sorted(created))
            projection.backfill(conn, tables, created)

    @staticmethod
    def _create_tables(
        conn: Connection,
        projection: Projection[Any],
        gen: registry.Generation,
        *,
        indexes: bool = True,
    ) -> None:
        create_tables(conn, projection, gen.table_prefix, indexes=indexes)

    def drop_generation(self, projection: Projection[Any], generation: int) -> None:
        with write_transaction(self.engine) as conn:
            gen = registry.get_generation(conn, projection.key, generation)
            if gen is None:
                raise ProjectionError(
                    f"{projection.key} has no generation {generation}",
                    {"projection": projection.key, "generation": generation},
                )
            if gen.status == "active":
                raise ProjectionError(
                    f"generation {generation} of {projection.key} is active; "
                    "rebuild first, then drop the old one",
                    {"projection": projection.key, "generation": generation},
                )
            tables = projection.tables(gen.table_prefix)
            for table in reversed(projection.all_tables(tables)):
                table.drop(conn, checkfirst=True)
            registry.delete_generation(conn, projection.key, generation)

    # -- rebuild -----------------------------------------------------------

    def start_or_resume_rebuild(
        self, projection: Projection[Any]
    ) -> registry.Generation:
        """The generation being rebuilt (resumed after a crash) or a new one."""
        with write_transaction(self.engine) as conn:
            building = registry.get_building(conn, projection.key)
            if (
                building is not None
                and building.code_version == projection.code_version
            ):
                self._add_missing_tables(conn, projection, building)
                return building
            gen = registry.create_generation(
                conn,
                projection.key,
                projection.code_version,
                "building",
                self.clock.now(),
            )
            # nobody reads a building generation: its secondary indexes are
            # made when it is switched on (``_activate``), in one pass each,
            # instead of being maintained row by row through the whole log
            self._create_tables(conn, projection, gen, indexes=False)
            return gen

    def rebuild(
        self,
        projection: Projection[Any],
        on_batch: Callable[[BatchDone], None] | None = None,
        batch_size: int = REBUILD_BATCH,
    ) -> registry.Generation:
        """Build a fresh generation from position 0 beside the active one, then switch.

        Resumable: a killed rebuild continues from its own checkpoint next time.
        """
        gen = self.start_or_resume_rebuild(projection)
        while True:
            gen = self._reload(gen)
            processed = catch_up(
                self.source, projection, gen, batch_size=batch_size, on_batch=on_batch
            )
            if processed == 0:
                break
        self._activate(projection, gen)
        return self._reload(gen)

    def rebuild_together(
        self,
        projections: list[Projection[Any]],
        on_batch: Callable[[BatchDone], None] | None = None,
        batch_size: int = REBUILD_BATCH,
    ) -> list[registry.Generation]:
        """``rebuild`` several projections with one read and decode of the log.

        Each gets its own new (or resumed) generation; resumed ones may stand
        at different checkpoints, so each is first caught up alone to the
        furthest, then all are fed together. Each switches when done.
        """
        gens = [self.start_or_resume_rebuild(p) for p in projections]
        while True:
            gens = [self._reload(g) for g in gens]
            furthest = max(g.position for g in gens)
            for projection, gen in zip(projections, gens, strict=True):
                if gen.position < furthest:
                    catch_up(
                        self.source,
                        projection,
                        gen,
                        batch_size=batch_size,
                        stop=furthest,
                    )
            gens = [self._reload(g) for g in gens]
            processed = catch_up_together(
                self.source,
                list(zip(projections, gens, strict=True)),
                batch_size=batch_size,
                on_batch=on_batch,
            )
            if processed == 0:
                break
        for projection, gen in zip(projections, gens, strict=True):
            self._activate(projection, gen)
        return [self._reload(g) for g in gens]

    def _activate(self, projection: Projection[Any], gen: registry.Generation) -> None:
        """Create the generation's indexes and switch it on, in one transaction."""
        with write_transaction(self.engine) as conn:
            create_indexes(conn, projection, gen.table_prefix)
            registry.activate(conn, projection.key, gen.generation, self.clock.now())
        self._indexed.add((projection.key, gen.generation))
        logger.info("%s generation %s is now active", projection.key, gen.generation)

    def _reload(self, gen: registry.Generation) -> registry.Generation:
        with read_transaction(self.engine) as conn:
            found = registry.get_generation(conn, gen.key, gen.generation)
        if found is None:
            raise ProjectionError(
                f"generation {gen.generation} of {gen.key} disappeared",
                {"projection": gen.key},
            )
        return found

    # -- digests -------------------------------------------------------------

    def live_digest(self, projection: Projection[Any]) -> tuple[int, Digest]:
        """Checkpoint and digest of the active generation, read in one snapshot."""
        with snapshot_transaction(self.engine) as conn:
            view = self.active_view(conn, projection.key)
            tables = projection.digest_tables(view.tables)
            digest = digest_tables(conn, tables, view.generation.table_prefix)
            return view.generation.position, digest


@dataclass
class Scratch:
    """A throw-away in-memory database holding one projection built to a position."""

    engine: Engine
    projection: Projection[Any]
    prefix: str

    @property
    def tables(self) -> Any:
        return self.projection.tables(self.prefix)

    def digest(self) -> Digest:
        with self.engine.connect() as conn:
            tables = self.projection.digest_tables(self.tables)
            return digest_tables(conn, tables, self.prefix)

    def close(self) -> None:
        self.engine.dispose()


def build_scratch(
    source: LogSource,
    projection: Projection[Any],
    *,
    stop: int | None = None,
    keep: Callable[[LogEvent], bool] | None = None,
    batch_size: int = 1000,
) -> Scratch:
    """Build ``projection`` from position 0 up to ``stop`` into a scratch database.

    ``keep`` filters decoded events (e.g. occurred_at <= T for an as-of view).
    """
    engine = create_engine("sqlite://", poolclass=StaticPool)
    prefix = registry.table_prefix(f"scratch_{projection.key}", 0)
    tables = projection.tables(prefix)
    head = source.head() if stop is None else stop
    with engine.begin() as conn:
        create_tables(conn, projection, prefix, indexes=False)
    position = 0
    with paced_gc():
        while position < head:
            records = source.read_page(position, batch_size, stop=head)
            if not records:
                break
            events = source.decode(records, projection.topics, projection.event_detail)
            if keep is not None:
                events = [e for e in events if keep(e)]
            if events:
                with engine.begin() as conn:
                    projection.apply(conn, tables, events)
            position = records[-1].id
    with engine.begin() as conn:
        create_indexes(conn, projection, prefix)
    return Scratch(engine=engine, projection=projection, prefix=prefix)


def create_tables(
    conn: Connection, projection: Projection[Any], prefix: str, *, indexes: bool
) -> None:
    """Create the tables of one generation that do not exist yet.

    Without ``indexes``, only the tables (their keys and unique constraints
    included) are made: a generation filled from position 0 is written much
    faster without maintaining its secondary indexes on every row, and
    ``create_indexes`` makes them before anyone reads it. Indexes change how
    fast a generation is read, never what it holds.
    """
    for table in projection.all_tables(projection.tables(prefix)):
        if indexes:
            table.create(conn, checkfirst=True)
        elif not inspect(conn).has_table(table.name, schema=table.schema):
            conn.execute(CreateTable(table))


def create_indexes(conn: Connection, projection: Projection[Any], prefix: str) -> None:
    """Create the secondary indexes of one generation's tables that are missing."""
    for table in projection.all_tables(projection.tables(prefix)):
        for index in sorted(table.indexes, key=lambda i: str(i.name)):
            index.create(conn, checkfirst=True)
