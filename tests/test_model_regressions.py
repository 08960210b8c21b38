"""Regression tests of the model defects found by fuzzing (``tests/test_fuzz_configurations.py``).

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


def test_gpu_cloud_contracts_shorter_than_a_year_keep_the_books_balanced_at_expiry():
    # a 26-week contract ends with half its prepayment (one year's offsets) unamortised
    model = BubbleModel(rng=0, contract_gpu_cloud_term_weeks=26)
    for _ in range(40):
        model.step()
        assert_books_balance(model)  # OpenAI was -$1.34B from week 27 on


def test_a_one_year_contract_billed_below_its_offset_keeps_the_books_balanced_at_expiry():
    # a slowdown cuts usage to the take-or-pay floor: the weekly payment no longer covers the
    # offset of a 96% prepayment, so some of it is left when the contract ends in week 53
    model = BubbleModel(
        rng=0,
        contract_gpu_cloud_term_weeks=52,
        contract_prepayment_share=0.96,
        contract_take_or_pay_share=0.5,
        demand_slowdown_depth=1.5,
        demand_slowdown_start_week=4,
    )
    for _ in range(60):
        model.step()
        assert_books_balance(model)
