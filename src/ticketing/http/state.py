"""What one API process shares between requests (kept on ``app.state.api``)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from ticketing.http.metrics import Metrics
from ticketing.http.refs import TicketRefs
from ticketing.http.watch import LogTicker

if TYPE_CHECKING:
    from ticketing.http.config import HttpConfig
    from ticketing.http.tokens import TokenStore
    from ticketing.runtime import Runtime


@dataclass
class ApiState:
    """The runtime (built once per process), token store, metrics and limits."""

    runtime: Runtime
    tokens: TokenStore
    config: HttpConfig
    run_projections: bool
    metrics: Metrics = field(default_factory=Metrics)
    ticker: LogTicker = field(default_factory=LogTicker)
    refs: TicketRefs = field(init=False)

    def __post_init__(self) -> None:
        self.refs = TicketRefs(self.runtime.service)
