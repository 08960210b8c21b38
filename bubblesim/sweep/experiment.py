"""Experiments declared as data: the TOML schema, its validation and the run plan.

An experiment file names the model preset, the fixed overrides, the swept parameters, the design,
the replications (explicit seeds), the number of steps and the outcomes to keep::

    name = "demand_vs_leverage"
    scenario = "demand-slowdown"
    steps = 156
    seeds = { start = 0, count = 100 }

    [fixed]
    demand_slowdown_start_week = 26

    [parameters]
    demand_slowdown_depth = { start = 0.0, stop = 0.6, num = 7 }
    population_miner_leverage_scale = [0.5, 1.0, 1.5]

    [design]
    kind = "grid"

Every problem is reported as one :class:`ExperimentError` (a ``ValueError``) naming the file and
the offending entry. ``docs/sweeps.md`` documents the full schema.
"""

from __future__ import annotations

import hashlib
import json
import math
import tomllib
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Discriminator,
    Field,
    Tag,
    ValidationError,
    field_validator,
    model_validator,
)

DEFAULT_RUNNER = "bubblesim.simulate:run_simulation"
RESERVED_NAMES = frozenset(
    {"scenario", "seed", "steps", "overrides", "run_id", "point", "config", "rng", "economy"}
)
MAX_SEED = 2**63 - 1
"""The largest seed: run files store seeds as 64-bit signed integers."""

Scalar = bool | int | float | str


class ExperimentError(ValueError):
    """An experiment file that cannot be read or does not validate."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ValuesSpec(_Strict):
    """An explicit list of values (a grid axis, or a discrete choice when sampling)."""

    values: list[Scalar] = Field(min_length=1)

    @field_validator("values")
    @classmethod
    def _one_type(cls, values: list[Scalar]) -> list[Scalar]:
        kinds = {_kind(v) for v in values}
        if len(kinds) > 1:
            raise ValueError(f"values mix types {sorted(kinds)}; use one type per parameter")
        # one column type in every run file: ints become floats if mixed with floats
        if kinds == {"number"} and any(isinstance(v, float) for v in values):
            values = [float(v) for v in values]
        if len(set(values)) != len(values):
            raise ValueError("values contain duplicates")
        return values


class RangeSpec(_Strict):
    """Evenly spaced grid values: ``num`` points from ``start`` to ``stop`` inclusive."""

    start: float
    stop: float
    num: int = Field(ge=2)
    integer: bool = False

    def grid(self) -> list[Scalar]:
        """Return the grid values (rounded to integers when ``integer`` is set)."""
        step = (self.stop - self.start) / (self.num - 1)
        vals = [self.start + i * step for i in range(self.num)]
        vals[-1] = self.stop
        if self.integer:
            ints = sorted({round(v) for v in vals})
            return [int(v) for v in ints]
        return [round(v, 12) for v in vals]


class DistSpec(_Strict):
    """A distribution for sampling designs (random, LHS, Sobol, Morris).

    ``uniform`` and ``triangular`` use ``low``/``high`` (and ``mode``); ``normal`` uses ``mean``
    and ``sd``, optionally truncated to ``low``/``high``; ``lognormal`` uses the ``mean`` and
    ``sd`` of the logarithm.
    """

    dist: Literal["uniform", "triangular", "normal", "lognormal"] = "uniform"
    low: float | None = None
    high: float | None = None
    mode: float | None = None
    mean: float | None = None
    sd: float | None = Field(default=None, gt=0)
    integer: bool = False

    @model_validator(mode="after")
    def _complete(self) -> DistSpec:
        if self.dist in ("uniform", "triangular"):
            if self.low is None or self.high is None:
                raise ValueError(f"a {self.dist} distribution needs low and high")
            if not self.low < self.high:
                raise ValueError(f"low ({self.low}) must be below high ({self.high})")
        if self.dist == "triangular" and not (
            self.mode is not None and self.low <= self.mode <= self.high
        ):
            raise ValueError("a triangular distribution needs low <= mode <= high")
        if self.dist in ("normal", "lognormal") and (self.mean is None or self.sd is None):
            raise ValueError(f"a {self.dist} distribution needs mean and sd")
        return self

    @property
    def bounded(self) -> bool:
        """True when every draw lies in a finite interval."""
        return self.dist in ("uniform", "triangular") or (
            self.low is not None and self.high is not None
        )


def _spec_tag(value: Any) -> str:
    if isinstance(value, dict):
        if "values" in value:
            return "values"
        if {"start", "stop", "num"} & value.keys():
            return "range"
        return "dist"
    return "values" if isinstance(value, ValuesSpec) else type(value).__name__


ParamSpec = Annotated[
    Annotated[ValuesSpec, Tag("values")]
    | Annotated[RangeSpec, Tag("range")]
    | Annotated[DistSpec, Tag("dist")]
    | Annotated[DistSpec, Tag("DistSpec")]
    | Annotated[RangeSpec, Tag("RangeSpec")],
    Discriminator(_spec_tag),
]


class SeedRange(_Strict):
    """Seeds ``start, start+1, ..., start+count-1``."""

    start: int = Field(default=0, ge=0, le=MAX_SEED)
    count: int = Field(ge=1)

    @model_validator(mode="after")
    def _fits(self) -> SeedRange:
        if self.start + self.count - 1 > MAX_SEED:
            raise ValueError(f"the last seed ({self.start + self.count - 1}) exceeds {MAX_SEED}")
        return self


class GridDesign(_Strict):
    """The full factorial product of every parameter's values."""

    kind: Literal["grid"]


class SampledDesign(_Strict):
    """``samples`` points drawn independently (``random``) or by Latin hypercube (``lhs``)."""

    kind: Literal["random", "lhs"]
    samples: int = Field(ge=1)
    seed: int = Field(default=0, ge=0)


class SobolDesign(_Strict):
    """Saltelli/Sobol' sampling (SALib): N*(D+2) points, N*(2D+2) with second order."""

    kind: Literal["sobol"]
    samples: int = Field(ge=2)
    second_order: bool = False
    seed: int = Field(default=0, ge=0)

    @field_validator("samples")
    @classmethod
    def _power_of_two(cls, n: int) -> int:
        if n & (n - 1):
            raise ValueError(f"samples ({n}) must be a power of 2 for Sobol' sequences")
        return n


class MorrisDesign(_Strict):
    """Morris elementary-effects trajectories (SALib): ``trajectories * (D + 1)`` points."""

    kind: Literal["morris"]
    trajectories: int = Field(ge=2)
    levels: int = Field(default=4, ge=2)
    seed: int = Field(default=0, ge=0)

    @field_validator("levels")
    @classmethod
    def _even(cls, n: int) -> int:
        if n % 2:
            raise ValueError(f"levels ({n}) must be even")
        return n


Design = Annotated[
    GridDesign | SampledDesign | SobolDesign | MorrisDesign, Field(discriminator="kind")
]


class Outcomes(_Strict):
    """What each run keeps: final scalars (all when empty) and optional time series."""

    scalars: list[str] = Field(default_factory=list)
    series: list[str] = Field(default_factory=list)
    series_period: int = Field(default=1, ge=1)


class AnalysisDefaults(_Strict):
    """Defaults for ``bubblesim analyze``: the verdict column, the index outcome, heatmap axes."""

    cascade: str = "cascade"
    outcome: str | None = None
    x: str | None = None
    y: str | None = None


class Experiment(_Strict):
    """A validated experiment: everything needed to plan and run a sweep."""

    name: str = Field(min_length=1)
    description: str = ""
    runner: str = DEFAULT_RUNNER
    scenario: str = "baseline"
    steps: int | None = Field(default=None, ge=1)
    seeds: list[Annotated[int, Field(ge=0, le=MAX_SEED)]] | SeedRange
    fixed: dict[str, Scalar] = Field(default_factory=dict)
    parameters: dict[str, ParamSpec] = Field(min_length=1)
    design: Design
    outcomes: Outcomes = Field(default_factory=Outcomes)
    analysis: AnalysisDefaults = Field(default_factory=AnalysisDefaults)

    @field_validator("runner")
    @classmethod
    def _runner_path(cls, value: str) -> str:
        module, sep, func = value.partition(":")
        if not sep or not module or not func.isidentifier():
            raise ValueError(f"runner {value!r} must look like 'package.module:function'")
        return value

    @field_validator("seeds")
    @classmethod
    def _unique_seeds(cls, seeds: list[int] | SeedRange) -> list[int] | SeedRange:
        if isinstance(seeds, list):
            if not seeds:
                raise ValueError("seeds is empty")
            if len(set(seeds)) != len(seeds):
                raise ValueError("seeds contain duplicates")
        return seeds

    @model_validator(mode="after")
    def _consistent(self) -> Experiment:
        names = set(self.parameters)
        for name in sorted(names | set(self.fixed)):
            if name in RESERVED_NAMES or not name.isidentifier():
                raise ValueError(f"parameter name {name!r} is reserved or not an identifier")
        if both := sorted(names & set(self.fixed)):
            raise ValueError(f"{both} are both fixed and swept")
        for name, spec in self.parameters.items():
            _check_spec_for_design(name, spec, self.design.kind)
        return self

    @property
    def seed_list(self) -> list[int]:
        """The replication seeds, in order."""
        if isinstance(self.seeds, SeedRange):
            return list(range(self.seeds.start, self.seeds.start + self.seeds.count))
        return list(self.seeds)

    @property
    def seed_count(self) -> int:
        """The number of replication seeds (without listing them)."""
        return self.seeds.count if isinstance(self.seeds, SeedRange) else len(self.seeds)

    def digest(self, scenario_content: Any = None) -> str:
        """SHA-256 of everything that defines the runs (not the name, description or analysis).

        Two files with the same digest produce the same run ids with the same meaning, so a
        folder started with one can be resumed with the other.

        Args:
            scenario_content: What the ``scenario`` resolves to (a preset's or a scenario
                file's overrides, or a file's SHA-256), so that editing a scenario file changes
                the digest. None gives the digest of the experiment text alone (the digest of
                folders made before the scenario's content was included).
        """
        data = self.model_dump(mode="json", exclude={"name", "description", "analysis"})
        if scenario_content is not None:
            data["scenario_content"] = scenario_content
        blob = json.dumps(data, sort_keys=True, separators=(",", ":"), default=str)
        return hashlib.sha256(blob.encode()).hexdigest()


def _kind(value: Scalar) -> str:
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int | float):
        if isinstance(value, float) and not math.isfinite(value):
            raise ValueError(f"value {value} is not finite")
        return "number"
    return "str"


def _check_spec_for_design(name: str, spec: ParamSpec, kind: str) -> None:
    where = f"parameters.{name}"
    if kind == "grid" and isinstance(spec, DistSpec):
        raise ValueError(f"{where}: a grid needs a list of values or {{start, stop, num}}")
    if kind != "grid" and isinstance(spec, RangeSpec):
        raise ValueError(
            f"{where}: a {kind} design samples; give {{low, high}} or a distribution, "
            "or a list of values to choose from"
        )
    if kind == "morris" and isinstance(spec, DistSpec) and not spec.bounded:
        raise ValueError(f"{where}: Morris needs a bounded distribution (give low and high)")


def parse_experiment(text: str, *, source: str = "<experiment>") -> Experiment:
    """Parse and validate an experiment from TOML text.

    Args:
        text: The TOML document.
        source: The name used in error messages (usually the file path).

    Returns:
        The validated experiment.

    Raises:
        ExperimentError: On invalid TOML or any schema problem; the message names the entry.
    """
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ExperimentError(f"{source}: invalid TOML: {exc}") from None
    data = _normalise_parameters(data)
    try:
        return Experiment.model_validate(data)
    except ValidationError as exc:
        raise ExperimentError(f"{source}: {_summarise(exc)}") from None


def load_experiment(path: str | Path) -> Experiment:
    """Read and validate an experiment file.

    Args:
        path: The TOML file.

    Returns:
        The validated experiment.

    Raises:
        ExperimentError: If the file is missing, not TOML, or does not validate.
    """
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise ExperimentError(
            f"{path}: the experiment file is not UTF-8 text (byte {exc.start})"
        ) from None
    except OSError as exc:
        raise ExperimentError(f"{path}: cannot read the experiment file ({exc.strerror})") from None
    return parse_experiment(text, source=str(path))


def _normalise_parameters(data: dict[str, Any]) -> dict[str, Any]:
    """Turn the short forms (``name = [..]``) into tables the schema understands."""
    params = data.get("parameters")
    if isinstance(params, dict):
        data = dict(data)
        data["parameters"] = {
            k: {"values": v} if isinstance(v, list) else v for k, v in params.items()
        }
    return data


def _summarise(exc: ValidationError) -> str:
    parts = []
    for err in exc.errors():
        loc = ".".join(
            str(p) for p in err["loc"] if not _is_union_tag(p)
        )  # drop pydantic's union member names from the location
        msg = err["msg"].removeprefix("Value error, ")
        parts.append(f"{loc}: {msg}" if loc else msg)
    return "; ".join(dict.fromkeys(parts))


def _is_union_tag(part: Any) -> bool:
    return isinstance(part, str) and (
        part in {"values", "range", "dist", "SeedRange", "grid", "random", "lhs", "sobol", "morris"}
        or part.startswith(("list[", "function-"))
    )
