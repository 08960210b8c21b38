"""Phase diagrams: P(cascade) over the slowdown depth and a second stress, 100 seeds a point.

Four declared sweeps, each a grid with common seeds: demand depth × miner leverage
(``experiments/demand_vs_leverage.toml``), demand depth × the size of an unscheduled chip
generation (``demand_vs_chips.toml``, the Trainium-3 question), demand depth × lender capital
(``demand_vs_lender_capital.toml``) and demand depth × the spot price ceiling
(``demand_vs_spot_ceiling.toml``: how much of the answer a ceiling that binds in most boom
weeks makes). Each is run by the sweep runner and analysed by
:func:`bubblesim.sweep.analysis.analyze_folder` (probability table with Wilson intervals,
heatmaps of the probability and of one magnitude).

Run: ``python -m experiments.phase_diagrams [--max-seeds N] [--executor dask]``.
"""

from pathlib import Path

HERE = Path(__file__).parent
DIAGRAMS: dict[str, Path] = {
    "demand_vs_leverage": HERE.parent / "demand_vs_leverage.toml",
    "demand_vs_chips": HERE / "demand_vs_chips.toml",
    "demand_vs_lender_capital": HERE / "demand_vs_lender_capital.toml",
    "demand_vs_spot_ceiling": HERE / "demand_vs_spot_ceiling.toml",
}
