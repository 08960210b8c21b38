"""The 2022 mining economy: a historical population for the calibration check.

Week 0 is 2022-01-03, the week of 2022's hashprice high. "§n" refers to the sections of the
project's calibration facts (``docs/calibration.md`` repeats their URLs). Figures marked
*judgment* are modelling choices where no source gives the number.

The economy (about 25 public bitcoin miners, all hashing; no labs, clouds or AI leases):

* Rig-backed loans of ≈$3.1B in all (§5: "up to ≈$4B", lenders NYDIG, Celsius, BlockFi, Galaxy,
  Foundry), amortising over two years, at 0.3–0.6 loan-to-value on the week-0 rig marks
  (*judgment*: the loans were written against 2021 rig prices). Three borrowers carry the §5
  restructurings' own figures: Iris ($107.8M on 3.6 EH/s), Stronghold ($67.4M on 2.5 EH/s),
  Greenidge ($74.4M on 2.8 EH/s); Core Scientific's ≈10% convertible notes are *judgment*.
* Crypto lenders with thin capital and runnable funding (*judgment*: 11–25% capital on the
  book). Celsius-like and BlockFi-like lenders also hold loans to non-mining crypto borrowers
  that fail on the 2022 dates (§5 timeline: Celsius froze withdrawals on Jun 12, week 23,
  after Terra and Three Arrows; FTX filed on Nov 11, week 45). The model has no generic
  borrower type, so each of those exposures is a *stand-in* borrower with no revenue (a
  :class:`~bubblesim.population.spec.LabSpec` with zero revenue share) owing a bullet loan due
  on that week. It holds its outside assets as cash equal to the loan, so it looks sound (its
  lenders provision for it as for any healthy borrower) until the date, when the assets are
  lost (``outside_loss_week``, an exogenous shock) and the bullet is not paid: its default is
  the exogenous lender loss that started 2022's credit squeeze.
* Convertible holders (half equity, half flows) hold the miners' convertible notes.

Power sizes (MW at the preset's 32 J/TH, so 1 MW ≈ 31 PH/s) and cash are *judgment*,
heavy-tailed like the 2022 public miners; the sourced restructurings fix the collateral of
their borrowers (EH/s × 10⁶ TH × 32 J/TH). The 2022 driver values (BTC, hashrate, power,
rates) are set by the ``2022-redux`` preset, not here.
"""

from __future__ import annotations

from bubblesim.accounts.instruments import Collateral
from bubblesim.agents.lender import LenderKind
from bubblesim.population.spec import EconomySpec, LabSpec, LenderSpec, LoanSpec, MinerSpec

M = 1e6
RIG_TERM_WEEKS = 104
"""Rig loans: two-year amortising equipment loans (judgment: 2021 rig financings ran 18–36
months)."""
RIG_COUPON = 0.10
"""Fixed coupon of rig loans (judgment: 2021–22 equipment loans to miners priced ≈8–14%)."""
RIG_COVENANT_LTV: float | None = None
"""No loan-to-value maintenance covenant (judgment: 2021–22 rig loans were amortising equipment
loans; the §5 cases were payment defaults and negotiated hand-backs, not margin calls)."""
TERRA_3AC_WEEK = 23
"""Jun 12 2022 (Celsius freezes withdrawals after Terra and Three Arrows), weeks from Jan 3."""
FTX_WEEK = 45
"""Nov 11 2022 (FTX files), weeks from Jan 3."""

#: (name, gross MW, cash $M): judgment except where the docstring says otherwise.
MINERS: tuple[tuple[str, float, float], ...] = (
    ("Core Scientific-like", 500, 120),
    ("Marathon-like", 400, 270),
    ("Riot-like", 450, 300),
    ("Iris-like", 115.2, 60),  # §5: 3.6 EH/s of rigs secured its loans
    ("Stronghold-like", 80, 20),  # §5: 2.5 EH/s returned
    ("Greenidge-like", 89.6, 30),  # §5: 2.8 EH/s handed over
    ("Argo-like", 110, 25),
    ("Hut 8-like", 150, 110),
    ("Bitfarms-like", 160, 90),
    ("CleanSpark-like", 200, 80),
    ("Cipher-like", 130, 100),
    ("TeraWulf-like", 110, 25),
    ("Miner 13", 300, 160),
    ("Miner 14", 250, 110),
    ("Miner 15", 250, 70),
    ("Miner 16", 200, 120),
    ("Miner 17", 200, 45),
    ("Miner 18", 150, 60),
    ("Miner 19", 80, 40),
    ("Miner 20", 70, 30),
    ("Miner 21", 60, 30),
    ("Miner 22", 60, 25),
    ("Miner 23", 50, 25),
    ("Miner 24", 40, 20),
    ("Compute North-like", 300, 40),
)

#: Rig-backed loans, $M, by (borrower, lender): judgment except the three §5 restructurings.
#: Compute North-like stands for the private hosts and miners in the §5 total (it filed on
#: Sep 22, 2022).
RIG_LOANS: tuple[tuple[str, str, float], ...] = (
    ("Core Scientific-like", "NYDIG-like", 400),
    ("Core Scientific-like", "BlockFi-like", 200),
    ("Core Scientific-like", "Celsius-like", 150),
    ("Compute North-like", "NYDIG-like", 250),
    ("Compute North-like", "Celsius-like", 250),
    ("Iris-like", "NYDIG-like", 107.8),  # §5
    ("Stronghold-like", "Foundry-like", 67.4),  # §5
    ("Greenidge-like", "NYDIG-like", 74.4),  # §5
    ("Argo-like", "Galaxy-like", 100),
    ("Bitfarms-like", "Galaxy-like", 120),
    ("CleanSpark-like", "Foundry-like", 150),
    ("TeraWulf-like", "Foundry-like", 150),
    ("Miner 13", "NYDIG-like", 250),
    ("Miner 14", "Celsius-like", 200),
    ("Miner 15", "Galaxy-like", 200),
    ("Miner 16", "BlockFi-like", 150),
    ("Miner 17", "Celsius-like", 150),
    ("Miner 18", "Foundry-like", 120),
)

#: Convertible notes, $M: (borrower, principal, coupon, maturity week), judgment.
CONVERTS: tuple[tuple[str, float, float, int], ...] = (
    ("Core Scientific-like", 500, 0.10, 156),  # ≈10% notes due 2025
    ("Marathon-like", 750, 0.01, 208),  # 1% notes due 2026
)

#: Lenders: (name, kind, capital ratio, cash buffer share), judgment (thin crypto-lender
#: capital). The five rig lenders are crypto lenders: deposit-funded and runnable (calib. §5).
LENDERS: tuple[tuple[str, LenderKind, float, float], ...] = (
    ("NYDIG-like", LenderKind.CRYPTO_LENDER, 0.15, 0.05),
    ("Celsius-like", LenderKind.CRYPTO_LENDER, 0.11, 0.02),
    ("BlockFi-like", LenderKind.CRYPTO_LENDER, 0.11, 0.02),
    ("Galaxy-like", LenderKind.CRYPTO_LENDER, 0.25, 0.05),
    ("Foundry-like", LenderKind.CRYPTO_LENDER, 0.20, 0.05),
    ("Convertible holders", LenderKind.CONVERTIBLE_FUND, 0.50, 0.10),
)

#: Non-mining crypto exposures (stand-ins): (name, lender, $M, week the bullet falls due).
OUTSIDE_EXPOSURES: tuple[tuple[str, str, float, int], ...] = (
    ("Terra/3AC exposures", "Celsius-like", 600, TERRA_3AC_WEEK),
    ("FTX/Alameda exposures", "BlockFi-like", 400, FTX_WEEK),
)


def miners_2022_economy() -> EconomySpec:
    """The 2022 rig-loan economy (25 miners, 6 lenders, 2 stand-in outside borrowers)."""
    miners = [MinerSpec(name, cash_usd=cash * M, power_mw=mw) for name, mw, cash in MINERS]
    lenders = [
        LenderSpec(n, capital_ratio=k, cash_buffer_share=b, kind=kind) for n, kind, k, b in LENDERS
    ]
    loans = [
        LoanSpec(
            lender,
            borrower,
            usd * M,
            RIG_COUPON,
            False,
            RIG_TERM_WEEKS,
            Collateral.ASIC,
            RIG_COVENANT_LTV,
            "rig loan",
        )
        for borrower, lender, usd in RIG_LOANS
    ]
    loans += [
        LoanSpec("Convertible holders", b, usd * M, c, False, w, instrument="convertible notes")
        for b, usd, c, w in CONVERTS
    ]
    stand_ins = [
        LabSpec(name, cash_usd=usd * M, revenue_share=0.0, outside_loss_week=week)
        for name, _, usd, week in OUTSIDE_EXPOSURES
    ]
    loans += [
        LoanSpec(lender, name, usd * M, 0.0, False, week, instrument="crypto loan")
        for name, lender, usd, week in OUTSIDE_EXPOSURES
    ]
    return EconomySpec(labs=stand_ins, miners=miners, lenders=lenders, loans=loans)
