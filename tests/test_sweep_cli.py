"""The ``sweep`` and ``analyze`` commands: exit codes, messages, files written."""

import argparse
import textwrap

import pandas as pd
import pytest

from bubblesim.sweep import cli


@pytest.fixture(autouse=True)
def allow_test_runners(monkeypatch):
    """The small runners of ``tests/test_sweep_runners.py`` are custom runners: allow them."""
    monkeypatch.setenv("BUBBLESIM_ALLOW_RUNNERS", "tests.test_sweep_runners")


def toy_experiment(tmp_path, depths="[0.0, 0.4]"):
    path = tmp_path / "toy.toml"
    path.write_text(
        textwrap.dedent(f"""\
            name = "toy"
            runner = "tests.test_sweep_runners:toy_runner"
            steps = 20
            seeds = {{ start = 0, count = 6 }}
            [parameters]
            depth = {depths}
            leverage = [0.5, 1.0]
            [design]
            kind = "grid"
            """)
    )
    return path


def test_register_adds_sweep_and_analyze_with_handlers():
    parser = argparse.ArgumentParser()
    cli.register(parser.add_subparsers(dest="command"))
    args = parser.parse_args(["sweep", "x.toml", "--workers", "3", "--max-seeds", "2"])
    assert (args.experiment, args.workers, args.max_seeds, args.func) == (
        "x.toml",
        3,
        2,
        cli._sweep,
    )
    assert parser.parse_args(["analyze", "d", "--x", "a"]).func is cli._analyze


def test_sweep_status_and_analyze_end_to_end(tmp_path, capsys):
    exp = toy_experiment(tmp_path)
    out = tmp_path / "out"
    assert cli.main(["sweep", str(exp), "--out", str(out), "--workers", "1", "--quiet"]) == 0
    assert "24 done, 0 failed, 0 already done (skipped), 24 planned" in capsys.readouterr().out
    assert cli.main(["sweep", "status", str(out)]) == 0
    assert "24/24 done (100.0%), 0 failed, 0 missing" in capsys.readouterr().out
    assert cli.main(["sweep", "compact", str(out)]) == 0
    assert "merged 24 run files and 0 series files" in capsys.readouterr().out
    figs = tmp_path / "figs"
    assert cli.main(["analyze", str(out), "--out", str(figs)]) == 0
    printed = capsys.readouterr().out
    assert "p_cascade" in printed
    assert f"wrote {figs / 'heatmap_depth_leverage.png'}" in printed
    table = pd.read_csv(figs / "cascade_probability.csv")
    assert table["runs"].tolist() == [6, 6, 6, 6]
    assert (figs / "heatmap_depth_leverage.png").read_bytes().startswith(b"\x89PNG")


def test_failed_runs_give_exit_1_and_status_lists_the_error(tmp_path, capsys):
    exp = toy_experiment(tmp_path, depths="[0.0, -0.5]")
    out = tmp_path / "out"
    assert cli.main(["sweep", str(exp), "--out", str(out), "--workers", "1", "--quiet"]) == 1
    capsys.readouterr()
    assert cli.main(["sweep", "status", str(out)]) == 1
    report = capsys.readouterr().out
    assert "12/24 done (50.0%), 12 failed, 0 missing" in report
    assert "12 x ValueError: depth must be >= 0, got -0.5" in report


def test_bad_input_gives_exit_2_one_message_and_no_files(tmp_path, capsys):
    bad = tmp_path / "bad.toml"
    bad.write_text('name = "b"\nseeds = [0]\n[parameters]\nx = []\n[design]\nkind = "grid"\n')
    out = tmp_path / "out"
    assert cli.main(["sweep", str(bad), "--out", str(out), "--quiet"]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"error: {bad}: parameters.x")
    assert err.count("\n") == 1
    assert not out.exists()
    assert cli.main(["sweep", "status", str(tmp_path)]) == 2
    assert "not a sweep folder" in capsys.readouterr().err
    assert cli.main(["analyze", str(tmp_path)]) == 2
    assert cli.main(["sweep", "status"]) == 2
