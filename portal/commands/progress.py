"""Progress of long `portal` commands on stderr: a bar on a terminal, counts otherwise."""

import sys

import click


class PhaseProgress:
    """A `progress(phase, done, total)` callback for the services' long work.

    On a terminal each phase gets its own bar; in a log (CI, cron) a line such as
    `checking rows: 20000/100000` is written every `1 / steps` of a phase and at its end.
    Phases of fewer than `minimum` items show nothing (they finish before a bar helps).
    """

    def __init__(self, labels: dict[str, str], *, steps: int, minimum: int = 0) -> None:
        self.labels = labels
        self.steps = steps
        self.minimum = minimum
        self.tty = sys.stderr.isatty()
        self.bar = None
        self.phase = ""
        self.shown = 0

    def __call__(self, phase: str, done: int, total: int) -> None:
        if total < self.minimum:
            return
        label = self.labels.get(phase, phase)
        if phase != self.phase:
            self.close()
            self.phase, self.shown = phase, 0
            if self.tty and total > done:
                self.bar = click.progressbar(length=total, label=label, file=sys.stderr)
                self.bar.__enter__()
        if self.bar is not None:
            self.bar.update(done - self.shown)
            self.shown = done
        elif done == total or done - self.shown >= total // self.steps:
            click.echo(f"{label}: {done}/{total}", err=True)
            self.shown = done

    def close(self) -> None:
        """End the current bar (call once the work is done or has failed)."""
        if self.bar is not None:
            self.bar.__exit__(None, None, None)
            self.bar = None
