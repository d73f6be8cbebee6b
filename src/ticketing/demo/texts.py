"""Comment texts for the demo."""

from __future__ import annotations

from typing import TYPE_CHECKING, Final

if TYPE_CHECKING:
    import random

COMMENTS: Final = (
    "Thanks, we are looking into it.",
    "Could you send a screenshot of the error?",
    "A technician will come by this afternoon.",
    "We applied a fix; please try again.",
    "The vendor confirmed a known issue.",
)
REPLIES: Final = (
    "Screenshot attached.",
    "Still happening this morning.",
    "Works now, thanks!",
    "I am in meetings until 3 pm, call me after.",
)
NOTES: Final = (
    "Checked the logs: {n} errors since yesterday.",
    "Same symptom as {n} other tickets this week.",
    "Rebooted the node, watching for {n} hours.",
)


def internal_note(rng: random.Random) -> str:
    return rng.choice(NOTES).format(n=rng.randint(2, 9))
