"""How a run ended, in the one wording that the CLI and the TUI both show."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from virtnet_tui.executor.apply import Outcome
    from virtnet_tui.executor.events import Leftover


@dataclass(frozen=True)
class OutcomeSummary:
    """The end of an apply, a resume, a re-run change or a rollback, in words."""

    what: str
    """What happened, as a clause: lower case first, no final period, so that each
    front end can frame it (``Done: …``, ``virtnet-wizard: …``, a sentence on a screen)."""
    left: tuple[str, ...] = ()
    """What could not be undone: ``step 3: <step>: <error>``."""
    by_hand: tuple[str, ...] = ()
    """The commands that finish the rollback by hand."""

    @property
    def sentence(self) -> str:
        """``what`` as a sentence of its own."""
        return self.what[:1].upper() + self.what[1:] + "."

    def leftover_lines(self) -> list[str]:
        """What is left in place and the commands to finish by hand (none when nothing is)."""
        if not self.left:
            return []
        return [
            "Left in place:",
            *(f"  - {item}" for item in self.left),
            "Finish by hand with:",
            *(f"    {command}" for command in self.by_hand),
        ]

    @property
    def text(self) -> str:
        """The sentence, then what is left in place: all a screen shows of the end."""
        return "\n".join([self.sentence, *self.leftover_lines()])


def summarize_outcome(outcome: Outcome) -> OutcomeSummary:
    """How ``outcome`` is worded: applied, rolled back, partial, or rollback incomplete."""
    reason = outcome.failure.reason if outcome.failure else ""
    if outcome.status == "applied":
        return OutcomeSummary(f"every stage is applied (run {outcome.run_id})")
    if outcome.status == "rolled-back":
        if outcome.failure is None:  # a rollback asked for, not one after a failure
            return OutcomeSummary(
                f"run {outcome.run_id} is rolled back: everything it changed is as it was"
            )
        return OutcomeSummary(f"apply failed ({reason}); everything it changed was rolled back")
    if outcome.status == "partial":
        return OutcomeSummary(
            f"apply failed ({reason}); the failed stage was rolled back and "
            f"{len(outcome.checkpoints)} earlier checkpoint(s) kept"
        )
    what = (
        f"apply failed ({reason}) and the rollback could not finish"
        if outcome.failure
        else "the rollback could not finish"
    )
    return OutcomeSummary(
        what,
        tuple(f"{_where(left)}: {left.what}: {left.error}" for left in outcome.leftovers),
        tuple(command for left in outcome.leftovers for command in left.manual),
    )


def _where(left: Leftover) -> str:
    return f"step {left.step}" if left.step else f"stage {left.stage + 1}"
