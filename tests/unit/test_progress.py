"""Progress of long commands in a log: a count line per step of each phase, nothing for
small phases."""

from portal.commands.progress import PhaseProgress


def run(progress: PhaseProgress, phase: str, total: int, every: int) -> None:
    for done in range(0, total + 1, every):
        progress(phase, done, total)
    progress.close()


def test_a_log_gets_a_line_per_tenth_and_one_at_the_end(capsys):
    progress = PhaseProgress({"check": "checking rows"}, steps=10)
    run(progress, "check", 10_000, 500)
    assert capsys.readouterr().err.splitlines() == [
        f"checking rows: {done}/10000" for done in range(1000, 10_001, 1000)]


def test_each_phase_starts_its_own_count_under_its_own_label(capsys):
    progress = PhaseProgress({"generate": "drawing", "write": "writing rows"}, steps=4)
    run(progress, "generate", 100, 25)
    run(progress, "write", 8, 2)
    err = capsys.readouterr().err
    assert "drawing: 100/100" in err and "writing rows: 8/8" in err
    assert err.index("drawing: 100/100") < err.index("writing rows: 2/8")


def test_phases_below_the_minimum_show_nothing(capsys):
    progress = PhaseProgress({}, steps=10, minimum=2000)
    run(progress, "check", 1999, 100)
    assert capsys.readouterr().err == ""


def test_an_unknown_phase_is_shown_by_its_name(capsys):
    progress = PhaseProgress({}, steps=1)
    progress("index", 3, 3)
    assert capsys.readouterr().err == "index: 3/3\n"
