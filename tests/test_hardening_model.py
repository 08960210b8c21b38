"""Regression tests of the model defects found by fuzzing (``tests/test_hardening_fuzz.py``).

Only the public API is used: ``BubbleModel(rng=seed, **overrides)``, ``step()``, ``firms`` and the
agents' balance sheets, so these survive a re-engineering of the model's internals.
"""

from bubblesim.model import BubbleModel


def assert_books_balance(model: BubbleModel) -> None:
    for name, firm in model.firms.items():
        gap = firm.assets_usd() - firm.liabilities_usd() - firm.equity_usd
        assert abs(gap) <= 1e-9 * max(1.0, abs(firm.assets_usd())) + 1.0, (model.week, name, gap)


def test_two_successors_of_one_lab_in_one_year_get_distinct_names():
    # the 2027 successor of "Lab 12" defaults and is reorganised again in 2027 (week 81)
    model = BubbleModel(
        rng=0,
        population_kind="synthetic",
        contract_prepayment_share=0.95,
        lab_planning_horizon_weeks=255,
    )
    for _ in range(84):
        model.step()
    successors = [name for name in model.firms if name.startswith("Lab 12 (reorganised 2027")]
    assert successors == ["Lab 12 (reorganised 2027)", "Lab 12 (reorganised 2027, #2)"]
    assert_books_balance(model)
