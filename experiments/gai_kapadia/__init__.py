"""The contagion window of Gai & Kapadia (2010), Figure 1, with ``bubblesim.contagion``.

On directed Erdős–Rényi networks of 1,000 banks (interbank assets 20% of total assets, capital
buffer 4%, zero recovery) one random bank fails; contagion is a run where at least 5% of the
banks fail. For each average degree ``z`` the experiment records the frequency of contagion
and its extent conditional on contagion. Run ``python -m experiments.gai_kapadia``.

Reference:
    Gai, P., & Kapadia, S. (2010). Contagion in financial networks. Proceedings of the Royal
    Society A, 466(2120), 2401–2423.
"""

from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from pydantic import BaseModel, ConfigDict
from tqdm import tqdm

from bubblesim.contagion import contagion_statistics, gai_kapadia
from bubblesim.params import param

_GK = "Gai & Kapadia (2010), Proc. R. Soc. A 466, Figure 1 set-up"


class GaiKapadiaConfig(BaseModel):
    """The experiment's parameters; defaults reproduce the paper's Figure 1 set-up."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    gk_n_banks: int = param(1000, unit="banks", source=_GK, description="Banks per network", ge=2)
    gk_interbank_share: float = param(
        0.2,
        unit="share of total assets",
        source=_GK,
        description="Interbank assets as a share of each bank's total assets",
        gt=0,
        le=1,
    )
    gk_capital_buffer: float = param(
        0.04,
        unit="share of total assets",
        source=_GK,
        description="Capital buffer as a share of each bank's total assets",
        ge=0,
        le=1,
    )
    gk_recovery_rate: float = param(
        0.0,
        unit="share of exposure",
        source=_GK,
        description="Share of an exposure recovered from a failed debtor",
        ge=0,
        le=1,
    )
    gk_contagion_threshold: float = param(
        0.05,
        unit="share of banks",
        source=_GK,
        description="A run counts as contagion when at least this share of banks fails",
        gt=0,
        le=1,
    )
    gk_n_runs: int = param(
        1000, unit="runs per average degree", source=_GK, description="Networks per z", ge=1
    )
    gk_z_min: float = param(
        0.25, unit="loans per bank", source=_GK, description="Smallest average degree", ge=0
    )
    gk_z_max: float = param(
        10.0, unit="loans per bank", source=_GK, description="Largest average degree", ge=0
    )
    gk_z_step: float = param(
        0.25,
        unit="loans per bank",
        source="judgment: fine enough to show both edges of the window",
        description="Spacing of the average-degree grid",
        gt=0,
        judgment=True,
    )
    gk_seed: int = param(
        2010,
        unit="seed",
        source="judgment: any fixed seed; each z draws from its own stream",
        description="Root seed of the experiment",
        judgment=True,
    )

    def z_grid(self) -> np.ndarray:
        """The average degrees to simulate, ``z_min, z_min + step, …, z_max``."""
        count = round((self.gk_z_max - self.gk_z_min) / self.gk_z_step) + 1
        return np.round(self.gk_z_min + self.gk_z_step * np.arange(count), 10)


#: A few-second demo: the same banks and balance sheets, fewer runs on a coarser grid.
QUICK = {"gk_n_runs": 100, "gk_z_min": 0.5, "gk_z_step": 0.5}


def run_window(config: GaiKapadiaConfig, progress: bool = True) -> pd.DataFrame:
    """Simulate every average degree of the grid.

    Args:
        config: The experiment's parameters.
        progress: Show a tqdm progress bar over ``z``.

    Returns:
        One row per ``z``: ``avg_degree``, ``n_banks``, ``n_runs``, ``contagion_runs``,
        ``frequency`` (share of runs with contagion), ``frequency_se`` (its binomial standard
        error) and ``extent`` (mean share of banks failed when contagion occurs; NaN if never).
    """
    rows = []
    for z in tqdm(config.z_grid(), desc="average degree z", disable=not progress):
        rng = np.random.default_rng([config.gk_seed, round(z * 1000)])
        fractions = gai_kapadia(
            config.gk_n_banks,
            float(z),
            config.gk_interbank_share,
            config.gk_capital_buffer,
            config.gk_n_runs,
            rng,
            recovery_rate=config.gk_recovery_rate,
        )
        frequency, extent = contagion_statistics(fractions, config.gk_contagion_threshold)
        rows.append(
            {
                "avg_degree": float(z),
                "n_banks": config.gk_n_banks,
                "n_runs": config.gk_n_runs,
                "contagion_runs": round(frequency * config.gk_n_runs),
                "frequency": frequency,
                "frequency_se": float(np.sqrt(frequency * (1 - frequency) / config.gk_n_runs)),
                "extent": extent,
            }
        )
    return pd.DataFrame(rows)


def plot_window(table: pd.DataFrame, path: Path) -> None:
    """Draw frequency and conditional extent of contagion against ``z`` (cf. G&K Figure 1).

    Args:
        table: The output of :func:`run_window`.
        path: Where to write the PNG.
    """
    fig = Figure(figsize=(7, 4.2), layout="constrained")
    ax = fig.add_subplot()
    z = table["avg_degree"]
    ax.plot(z, 100 * table["frequency"], "o-", ms=3, label="frequency of contagion")
    ax.plot(z, 100 * table["extent"], "s--", ms=3, label="extent of contagion (if it occurs)")
    n_banks, n_runs = int(table["n_banks"].iloc[0]), int(table["n_runs"].iloc[0])
    ax.set(
        xlabel="average degree z (loans per bank)",
        ylabel="per cent",
        ylim=(-2, 102),
        xlim=(0, float(z.max()) + 0.25),
        title=f"Contagion window: {n_banks:,} banks, {n_runs:,} runs per z",
    )
    ax.grid(alpha=0.3)
    ax.legend(loc="center right")
    fig.savefig(path, dpi=150)
