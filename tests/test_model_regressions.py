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
    # found with "Lab 12" of the synthetic economy (reorganised twice in 2027); since labs keep
    # a quarter of their bills before prepaying, that run has no lab default, so the case is
    # built directly: a lab, its successor and the successor's successor, all within 2026
    from tests.economies import B, chain_economy, chain_model

    model = chain_model(chain_economy(lab_cash_usd=2 * B), lab_reorganisation_weeks=4)
    model.step()
    model.impose_default(model.firms["Lab"])
    for _ in range(6):
        model.step()
    model.impose_default(model.firms["Lab (reorganised 2026)"])
    for _ in range(6):
        model.step()
    successors = [name for name in model.firms if name.startswith("Lab (reorganised 2026")]
    assert successors == ["Lab (reorganised 2026)", "Lab (reorganised 2026, #2)"]
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


def test_a_hall_conversion_starts_only_with_the_money_the_miner_can_actually_raise():
    # found by the fuzz test: the convertible room counted the largest fund's capacity while
    # the notes went to the first fund able to lend, with less; the miner then started a hall
    # it could not pay for (a construction cost above its cash). Now the notes and the shares
    # it can sell are priced before it commits (CreditDesk.convertible_offer_usd,
    # EquityMarket.miner_atm_offer_usd).
    from math import exp

    overrides = {
        "big_tech_capex_follows_finance": False,
        "big_tech_revolver_spread_per_year": 0.0,
        "btc_fees_btc_per_block": 0.0,
        "btc_hashrate_elasticity_per_year": 0.0,
        "btc_initial_hashrate_eh_per_s": exp(4.5),
        "btc_jump_std": 0.0,
        "btc_path": "gbm",
        "channel_settlement": False,
        "contract_hosting_noi_margin": 0.0,
        "contract_hosting_price_usd_per_mw_year": exp(12.0),
        "contract_take_or_pay_share": 0.0,
        "credit_crunch_volume_floor_share": 0.0,
        "credit_crunch_window_weeks": 1,
        "credit_project_loan_to_cost": 0.0,
        "credit_spread_miner_per_year": 0.0,
        "credit_spread_neocloud_per_year": 0.0,
        "credit_spread_stress_per_year": 0.0,
        "credit_tightening_sensitivity": 0.0,
        "demand_growth_decay_per_year": 0.0,
        "hall_rent_elasticity": 0.0,
        "lab_cash_buffer_weeks": 0,
        "lab_contract_share": 1.0,
        "lab_equity_raise_weeks": 1,
        "lab_planning_horizon_weeks": 0,
        "lab_reorganisation_weeks": 1,
        "lender_capital_target_bank": 1.0,
        "lender_capital_target_bond_fund": 1.0,
        "lender_capital_target_convertible_fund": 1.0,
        "market_colo_build_cost_usd_per_mw": exp(13.25),
        "market_conversion_lag_weeks": 1,
        "miner_atm_max_share_of_cap_per_week": 0.0,
        "miner_price_to_book": 2.0,
        "population_kind": "synthetic",
        "population_topology": "preferential",
        "power_mean_reversion_per_year": 5e-324,
        "rate_shock_bp": 0.0,
        "rate_shock_ramp_weeks": 1,
        "rate_volatility_per_year": 0.0,
        "revenue_compute_intensity_growth_per_year": 0.0,
        "revenue_per_compute_unit_usd_per_year": exp(13.0),
        "settlement_alpha": 0.0,
        "valuation_max_dilution_per_round": 5e-324,
        "valuation_reference_growth_per_year": 0.0,
        "vendor_lab_commitment_usd": exp(22.0),
        "vendor_price_max_discount": 0.0,
    }
    model = BubbleModel(rng=0, **overrides)
    model.step()
    assert_books_balance(model)
