"""Today versus 2022: each era's shocks on each era's economy, the same seeds in every cell.

Four cells: the 2022 shocks (``2022-redux``: bitcoin's crash, the rate shock and the crypto
lenders' failures) on the 2022 mining economy and on today's economy, and the AI-demand
slowdown (``demand-slowdown``) on today's economy and on the 2022 economy. Comparing a row
says what the economy adds; comparing a column, what the shock adds.

Run: ``python -m experiments.today_vs_2022 [--seeds N]``.
"""

from __future__ import annotations

import pandas as pd

from bubblesim.sweep.analysis import wilson_interval

ECONOMIES = {"2022 mining economy": "miners-2022", "today's economy": "default"}
SHOCKS = {
    "2022 shocks": ("2022-redux", 104),
    "AI-demand slowdown": ("demand-slowdown", 520),
}
LEGS = (
    "miner_capacity_defaulted_share",
    "lender_loss_to_capital",
    "credit_contraction",
    "gpu_price_peak_to_trough",
    "n_defaults",
    "n_defaults_miner",
    "n_defaults_lender",
)


def table(runs: pd.DataFrame) -> pd.DataFrame:
    """P(cascade) with its Wilson interval and each leg's mean and quartiles, per cell."""
    rows = []
    for (shock, economy), g in runs.groupby(["shock", "economy"], sort=False):
        k, n = int(g["cascade"].sum()), len(g)
        lo, hi = wilson_interval(k, n)
        row = {
            "shock": shock,
            "economy": economy,
            "runs": n,
            "p_cascade": k / n,
            "ci_low": float(lo),
            "ci_high": float(hi),
        }
        for leg in LEGS:
            q = g[leg].quantile([0.25, 0.5, 0.75]).to_numpy()
            row |= {f"{leg}_mean": g[leg].mean(), f"{leg}_p25": q[0], f"{leg}_median": q[1]}
            row[f"{leg}_p75"] = q[2]
        rows.append(row)
    return pd.DataFrame(rows)
