"""The Gai–Kapadia experiment: configuration and the quick command-line run."""

import numpy as np
import pandas as pd
import pytest
from pydantic import ValidationError

from experiments.gai_kapadia import GaiKapadiaConfig
from experiments.gai_kapadia.__main__ import main


def test_default_config_is_the_papers_setup():
    cfg = GaiKapadiaConfig()
    assert (cfg.gk_n_banks, cfg.gk_n_runs) == (1000, 1000)
    assert (cfg.gk_interbank_share, cfg.gk_capital_buffer) == (0.2, 0.04)
    assert cfg.gk_contagion_threshold == 0.05
    np.testing.assert_allclose(cfg.z_grid(), np.arange(1, 41) * 0.25)
    with pytest.raises(ValidationError):
        GaiKapadiaConfig(gk_capital_buffer=-0.1)
    with pytest.raises(ValidationError):
        GaiKapadiaConfig(gk_unknown=1)


def test_quick_run_writes_the_table_and_the_figure(tmp_path):
    assert main(["--quick", "--out", str(tmp_path)]) == 0
    table = pd.read_csv(tmp_path / "contagion_window.csv")
    assert (tmp_path / "contagion_window.png").stat().st_size > 10_000
    assert list(table["avg_degree"]) == [0.5 * k for k in range(1, 21)]
    assert table["frequency"].between(0, 1).all()
    by_z = table.set_index("avg_degree")
    assert by_z.loc[0.5, "frequency"] == 0.0
    assert by_z.loc[10.0, "frequency"] == 0.0
    assert by_z.loc[3.0, "frequency"] > 0.5
    assert by_z.loc[3.0, "extent"] > 0.9
    again = tmp_path / "again"
    main(["--quick", "--out", str(again)])
    pd.testing.assert_frame_equal(table, pd.read_csv(again / "contagion_window.csv"))
