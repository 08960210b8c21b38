"""Property-based fuzzing of the model: random valid configurations keep the accounts consistent.

Configurations are drawn from the parameter metadata alone (``bubblesim.config.parameters()``:
types, choices and inclusive or exclusive bounds), a few parameters at a time on top of the
defaults, and each is run for a short while. Every week three things must hold:

* the stock-flow identity: the change in the agents' total cash equals the week's net external
  flows (``model.ledger.net_external_usd()``);
* every agent's books balance: assets = liabilities + equity;
* the week's row of the model-level series has no NaN.

Only the public API is used, so the test survives a re-engineering of the model's internals.
Under ``CI=true`` Hypothesis is derandomised (``tests/conftest.py``): the same examples every run.
A failing example becomes a named regression test in ``tests/test_model_regressions.py``.
"""

from __future__ import annotations

import math
import os
import typing

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from bubblesim.config import ConfigError, ParameterInfo, parameters
from bubblesim.model import BubbleModel
from tests.test_economy import assert_site_power_respected

EXAMPLES = int(os.environ.get("BUBBLESIM_FUZZ_EXAMPLES", "60"))
"""Configurations per run (about 15 s on one core); ``BUBBLESIM_FUZZ_EXAMPLES`` sets another."""

MAX_WEEKS = 78
"""Weeks per run at most: past a first contract expiry (26-52 weeks) and a lab reorganisation."""

OVERRIDE_SHARES = (0.05, 0.25, 1.0)
"""Share of the parameters drawn per configuration (a few, a quarter, all); the rest keep their
defaults."""

RUNTIME_CAPS = {"population_n_agents": 120}
"""Upper ends lowered to keep each example short (the synthetic economy's size)."""

UNBOUNDED_FACTOR = 20.0
"""An unbounded side is drawn within this factor of the default (log-uniformly)."""

PARAMS = parameters()


def value_strategy(info: ParameterInfo) -> st.SearchStrategy:
    """Valid values of one parameter, from its type, choices and bounds."""
    ann = info.annotation
    if ann is bool:
        return st.booleans()
    if typing.get_origin(ann) is typing.Literal:
        return st.sampled_from(typing.get_args(ann))
    if ann is int:
        lo = info.ge if info.ge is not None else (info.gt + 1 if info.gt is not None else None)
        hi = info.le if info.le is not None else (info.lt - 1 if info.lt is not None else None)
        default = int(info.default)
        lo = int(lo) if lo is not None else default - 4 * max(abs(default), 26)
        hi = int(hi) if hi is not None else default + 4 * max(abs(default), 26)
        hi = min(hi, RUNTIME_CAPS.get(info.name, hi))
        return st.integers(lo, hi)
    if ann is float:
        return _float_strategy(info)
    raise TypeError(f"{info.name}: no strategy for {ann!r}")


def _float_strategy(info: ParameterInfo) -> st.SearchStrategy:
    lo, hi = info.lower, info.upper
    if lo is not None and hi is not None:
        return st.floats(
            lo, hi, exclude_min=info.gt is not None, exclude_max=info.lt is not None
        ).filter(info.admits)
    default = float(info.default)
    if default <= 0 or (lo is not None and lo < 0) or hi is not None:  # pragma: no cover
        raise TypeError(f"{info.name}: no strategy for a half-open range around {default}")
    # positive and unbounded above: log-uniform around the default, within the lower bound
    log_lo = math.log(default / UNBOUNDED_FACTOR)
    log_hi = math.log(default * UNBOUNDED_FACTOR)
    return st.floats(log_lo, log_hi).map(math.exp).filter(info.admits)


@st.composite
def configurations(draw: st.DrawFn) -> dict[str, typing.Any]:
    """Each parameter at a random valid value with a drawn probability, else at its default."""
    share = draw(st.sampled_from(OVERRIDE_SHARES))
    out = {}
    for name in sorted(PARAMS):
        if draw(st.floats(0.0, 1.0)) < share:
            out[name] = draw(value_strategy(PARAMS[name]))
    return out


def check_week(model: BubbleModel, cash_before: float) -> None:
    """The weekly properties: stock-flow identity, balanced books, no NaN, site power."""
    cash_after = sum(f.cash_usd for f in model.firms.values())
    flows = model.ledger.net_external_usd()
    scale = max(1.0, abs(cash_before), abs(cash_after))
    assert abs((cash_after - cash_before) - flows) <= 1e-9 * scale + 1.0, (
        model.week,
        cash_after - cash_before,
        flows,
    )
    for name, firm in model.firms.items():
        assets = firm.assets_usd()
        gap = assets - firm.liabilities_usd() - firm.equity_usd
        assert abs(gap) <= 1e-9 * max(1.0, abs(assets)) + 1.0, (model.week, name, gap)
    row = {k: v[-1] for k, v in model.series_columns().items()}
    nan = sorted(k for k, v in row.items() if isinstance(v, float) and math.isnan(v))
    assert not nan, (model.week, nan)
    assert_site_power_respected(model)


def test_every_float_int_and_choice_parameter_has_a_strategy():
    for info in PARAMS.values():
        strategy = value_strategy(info)
        assert strategy is not None, info.name


@settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
@given(
    overrides=configurations(),
    seed=st.integers(0, 2**32 - 1),
    weeks=st.integers(1, MAX_WEEKS),
)
def test_random_valid_configurations_keep_stock_flow_books_and_series_consistent(
    overrides, seed, weeks
):
    try:
        model = BubbleModel(rng=seed, **overrides)
    except ConfigError:  # a combination the configuration refuses (none known so far)
        assume(False)
    for _ in range(weeks):
        before = sum(f.cash_usd for f in model.firms.values())
        model.step()
        check_week(model, before)
