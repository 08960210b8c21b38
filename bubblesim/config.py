"""The validated model configuration: one frozen pydantic object per run.

``ModelConfig`` composes topic sections (drivers, population, contracts, credit, markets, behaviour,
channels, verdict). Every leaf field name is unique across sections, so a run accepts flat keyword
overrides (``demand_slowdown_depth=0.6``) and the sweep, CLI and explorer share one vocabulary.
Bad names or values raise :class:`ConfigError`, whose message names the field.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, ConfigDict, ValidationError

from bubblesim.drivers.exogenous import DriverParams
from bubblesim.economy_params import (
    BehaviourParams,
    ChannelParams,
    ContractParams,
    CreditParams,
    MarketParams,
    PopulationParams,
    VerdictParams,
)


class ConfigError(ValueError):
    """A configuration value or name is invalid; the message names the field."""


class ModelConfig(BaseModel):
    """Everything that defines a run, apart from the seed and the number of steps."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    scenario: str = "baseline"
    drivers: DriverParams = DriverParams()
    population: PopulationParams = PopulationParams()
    contracts: ContractParams = ContractParams()
    credit: CreditParams = CreditParams()
    markets: MarketParams = MarketParams()
    behaviour: BehaviourParams = BehaviourParams()
    channels: ChannelParams = ChannelParams()
    verdict: VerdictParams = VerdictParams()


@dataclass(frozen=True, slots=True)
class ParameterInfo:
    """Metadata of one leaf parameter, read from its pydantic field.

    The bounds are reported as declared: ``ge``/``le`` are inclusive, ``gt``/``lt`` exclusive
    (a parameter has at most one lower and one upper bound). ``lower``/``upper`` give the bound
    whatever its kind, and ``admits`` tells whether a number lies within them.

    Attributes:
        allow_non_finite: True when the parameter accepts ``inf``/``nan`` (no parameter does
            unless its declaration says so).
    """

    name: str
    path: tuple[str, ...]
    default: Any
    unit: str
    source: str
    description: str
    judgment: bool
    ge: float | None
    le: float | None
    annotation: Any
    gt: float | None = None
    lt: float | None = None
    allow_non_finite: bool = False

    @property
    def lower(self) -> float | None:
        """The lower bound, inclusive (``ge``) or exclusive (``gt``), or None."""
        return self.ge if self.ge is not None else self.gt

    @property
    def upper(self) -> float | None:
        """The upper bound, inclusive (``le``) or exclusive (``lt``), or None."""
        return self.le if self.le is not None else self.lt

    def admits(self, value: float) -> bool:
        """True when a number satisfies every bound (and is finite unless allowed)."""
        if not self.allow_non_finite and not math.isfinite(value):
            return False
        return (
            (self.ge is None or value >= self.ge)
            and (self.gt is None or value > self.gt)
            and (self.le is None or value <= self.le)
            and (self.lt is None or value < self.lt)
        )


def _bounds(field: Any) -> dict[str, float]:
    """The declared bounds of a field, by kind (``ge``, ``gt``, ``le``, ``lt``)."""
    bounds: dict[str, float] = {}
    for meta in field.metadata:
        for attr in ("ge", "gt", "le", "lt"):
            if getattr(meta, attr, None) is not None:
                bounds[attr] = getattr(meta, attr)
    return bounds


def _walk(model_cls: type[BaseModel], prefix: tuple[str, ...]) -> Iterator[ParameterInfo]:
    for name, field in model_cls.model_fields.items():
        ann = field.annotation
        if isinstance(ann, type) and issubclass(ann, BaseModel):
            yield from _walk(ann, (*prefix, name))
            continue
        extra = field.json_schema_extra if isinstance(field.json_schema_extra, dict) else {}
        bounds = _bounds(field)
        yield ParameterInfo(
            name=name,
            path=(*prefix, name),
            default=field.default,
            unit=str(extra.get("unit", "")),
            source=str(extra.get("source", "")),
            description=field.description or "",
            judgment=bool(extra.get("judgment", False)),
            ge=bounds.get("ge"),
            le=bounds.get("le"),
            annotation=ann,
            gt=bounds.get("gt"),
            lt=bounds.get("lt"),
            allow_non_finite=bool(extra.get("allow_non_finite", False)),
        )


def parameters() -> dict[str, ParameterInfo]:
    """Every leaf parameter of :class:`ModelConfig`, keyed by its (unique) flat name.

    The walk over the configuration classes is done once per process; each call returns a
    fresh dict of the (frozen) entries.

    Returns:
        An ordered mapping from flat name to :class:`ParameterInfo`.

    Raises:
        RuntimeError: If two sections declare the same leaf name (a programming error).
    """
    return dict(_parameters())


@functools.cache
def _parameters() -> dict[str, ParameterInfo]:
    out: dict[str, ParameterInfo] = {}
    for info in _walk(ModelConfig, ()):
        if info.name == "scenario":
            continue
        if info.name in out:
            raise RuntimeError(f"parameter name {info.name!r} is declared twice")
        out[info.name] = info
    return out


def _nest(flat: Mapping[str, Any]) -> dict[str, Any]:
    """Turn flat overrides into the nested dict pydantic expects, rejecting unknown names."""
    known = _parameters()
    nested: dict[str, Any] = {}
    for name, value in flat.items():
        if name not in known:
            close = [k for k in known if name.split("_")[0] in k][:5]
            hint = f" (did you mean one of {close}?)" if close else ""
            raise ConfigError(f"unknown parameter {name!r}{hint}")
        node = nested
        *parents, leaf = known[name].path
        for p in parents:
            node = node.setdefault(p, {})
        node[leaf] = value
    return nested


def _merge(base: dict[str, Any], extra: Mapping[str, Any]) -> dict[str, Any]:
    out = dict(base)
    for key, value in extra.items():
        if isinstance(value, Mapping) and isinstance(out.get(key), Mapping):
            out[key] = _merge(dict(out[key]), value)
        else:
            out[key] = value
    return out


def _explain(err: ValidationError) -> str:
    known = {info.path: name for name, info in _parameters().items()}
    parts = []
    for e in err.errors():
        loc = tuple(str(x) for x in e["loc"])
        name = known.get(loc, ".".join(loc))
        parts.append(f"{name}: {e['msg']} (got {e.get('input')!r})")
    return "invalid configuration: " + "; ".join(parts)


def build_config(
    overrides: Mapping[str, Any] | None = None,
    *,
    base: Mapping[str, Any] | ModelConfig | None = None,
) -> ModelConfig:
    """Validate a configuration from flat overrides on top of an optional base.

    Args:
        overrides: Flat parameter names to values, e.g. ``{"demand_slowdown_depth": 0.5}``.
        base: A nested dict (e.g. a scenario preset) or a ``ModelConfig`` to start from.

    Returns:
        The validated, frozen configuration.

    Raises:
        ConfigError: On an unknown name or an invalid value; the message names the field.
    """
    base_dict = base.model_dump() if isinstance(base, ModelConfig) else dict(base or {})
    data = _merge(base_dict, _nest(dict(overrides or {})))
    try:
        return ModelConfig.model_validate(data)
    except ValidationError as err:
        raise ConfigError(_explain(err)) from None


def flat_values(config: ModelConfig) -> dict[str, Any]:
    """Flatten a configuration into ``{flat_name: value}``.

    Args:
        config: A validated configuration.

    Returns:
        Every leaf parameter's value keyed by its flat name.
    """
    dumped = config.model_dump()
    out: dict[str, Any] = {}
    for name, info in parameters().items():
        node: Any = dumped
        for p in info.path:
            node = node[p]
        out[name] = node
    return out
