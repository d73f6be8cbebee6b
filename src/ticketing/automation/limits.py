"""Bounds shared by every kind of automation (and by the rule-file checker)."""

from __future__ import annotations

from typing import Final

#: Automated steps allowed in one causal chain before automation stops. A rule
#: set may ask for a tighter bound (``max_chain_depth``), never a looser one.
MAX_CHAIN_DEPTH: Final = 5
