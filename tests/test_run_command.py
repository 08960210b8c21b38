"""``bubblesim run``: atomic outputs, no stale plot, and one line with exit code 2 for bad input.

Every bad input is refused before the simulation starts and before anything is written.
"""

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pandas as pd
import pytest

from bubblesim import cli

ROOT = Path(__file__).resolve().parents[1]


def run(out, *extra, steps=3):
    return cli.main(["run", "--steps", str(steps), "--quiet", "--out", str(out), *extra])


def test_a_run_killed_while_writing_leaves_the_previous_run_whole(tmp_path):
    out = tmp_path / "o"
    assert run(out, "--no-plot", steps=3) == 0
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    script = textwrap.dedent(f"""\
        import os, sys
        import pandas as pd
        from bubblesim import cli

        real = pd.DataFrame.to_parquet

        def dying(self, path, *args, **kwargs):  # killed between two output files
            real(self, path, *args, **kwargs)
            if str(path).endswith("events.parquet"):
                os._exit(9)

        pd.DataFrame.to_parquet = dying
        sys.exit(cli.main(["run", "--steps", "5", "--quiet", "--no-plot", "--out", {str(out)!r}]))
        """)
    killed = subprocess.run([sys.executable, "-c", script], cwd=ROOT, check=False)
    assert killed.returncode == 9
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before  # the old run, untouched
    assert len(pd.read_parquet(out / "series.parquet")) == 4
    assert json.loads((out / "run.json").read_text())["steps"] == 3
    assert len(list(tmp_path.glob(".o.tmp-*"))) == 1  # the killed run's staging folder
    assert run(out, "--no-plot", steps=5) == 0  # the next run replaces it and clears the leftover
    assert len(pd.read_parquet(out / "series.parquet")) == 6
    assert json.loads((out / "run.json").read_text())["steps"] == 5
    assert sorted(p.name for p in tmp_path.iterdir()) == ["o"]


def test_no_plot_into_a_folder_with_an_old_plot_neither_keeps_nor_reports_it(tmp_path, capsys):
    out = tmp_path / "o"
    assert run(out) == 0
    assert (out / "overview.png").exists()
    assert "overview.png" in capsys.readouterr().out
    assert run(out, "--no-plot") == 0
    assert not (out / "overview.png").exists()
    printed = capsys.readouterr().out
    assert "overview.png" not in printed
    assert sorted(p.name for p in out.iterdir()) == ["events.parquet", "run.json", "series.parquet"]


def test_an_unwritable_out_is_refused_before_the_simulation(tmp_path, capsys, monkeypatch):
    import bubblesim.simulate

    def never(**kwargs):
        raise AssertionError("the simulation ran before --out was checked")

    monkeypatch.setattr(bubblesim.simulate, "run_simulation", never)
    (tmp_path / "file").write_text("x")
    (tmp_path / "mine").mkdir()
    (tmp_path / "mine" / "notes.txt").write_text("keep")
    for out, message in [
        (tmp_path / "file", "exists and is not a folder"),
        (tmp_path / "file" / "sub", "a part of its path is a file"),
        (Path("/proc/no-such/out"), "cannot write to --out"),
        (tmp_path / "mine", "holds files that are not a run's outputs (notes.txt)"),
    ]:
        assert run(out) == 2
        err = capsys.readouterr().err
        assert err.count("\n") == 1
        assert message in err
    assert (tmp_path / "mine" / "notes.txt").read_text() == "keep"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["file", "mine"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--set", "scenario=x"], "'scenario' is not a parameter"),
        (["--set", "seed=3"], "'seed' is not a parameter"),
        (["--steps", "-1"], "steps must be at least 1"),
        (["--steps", "0"], "steps must be at least 1"),
        (["--seed", "-1"], "seed must be between 0 and 9223372036854775807"),
        (["--seed", str(2**63)], "seed must be between 0 and 9223372036854775807"),
        (["--set", "btc_initial_price_usd=inf"], "btc_initial_price_usd: Input should be a finite"),
        (["--set", "demand_slowdown_depth=nan"], "demand_slowdown_depth: Input should be a finite"),
    ],
)
def test_bad_input_gives_one_line_exit_2_and_writes_nothing(tmp_path, capsys, args, message):
    out = tmp_path / "o"
    assert cli.main(["run", "--quiet", "--out", str(out), *args]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert message in err
    assert list(tmp_path.iterdir()) == []


def test_a_scenario_file_that_is_not_utf8_gives_one_line(tmp_path, capsys):
    scenario = tmp_path / "latin1.toml"
    scenario.write_bytes('description = "caf\xe9"\n'.encode("latin-1"))
    assert cli.main(["run", "--scenario", str(scenario), "--out", str(tmp_path / "o")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert "is not UTF-8 text" in err
    assert not (tmp_path / "o").exists()


def test_the_largest_seed_runs(tmp_path):
    out = tmp_path / "o"
    assert run(out, "--no-plot", "--seed", str(2**63 - 1), steps=1) == 0
    assert json.loads((out / "run.json").read_text())["seed"] == 2**63 - 1
