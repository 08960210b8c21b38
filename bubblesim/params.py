"""Parameter declarations: one helper so every parameter carries unit, source and bounds.

Every configurable value in bubblesim is a pydantic field built with :func:`param`. The metadata
(unit, source, bounds, whether the value is a judgment call) is the single source of truth for
validation, ``bubblesim scenarios show``, the calibration table in ``docs/calibration.md`` and the
explorer's sliders.
"""

from typing import Any

from pydantic import Field


def param(
    default: Any,
    *,
    unit: str,
    source: str,
    description: str,
    ge: float | None = None,
    le: float | None = None,
    gt: float | None = None,
    lt: float | None = None,
    judgment: bool = False,
    allow_non_finite: bool = False,
) -> Any:
    """Declare a model parameter with its unit, source and bounds.

    Args:
        default: The default value.
        unit: The unit, e.g. ``"USD per MW-year"``, ``"share"``, ``"weeks"``.
        source: Where the default comes from: a URL or section of the calibration facts, or
            ``"judgment: <why>"`` when it is a modelling choice.
        description: One line saying what the parameter means.
        ge: Inclusive lower bound.
        le: Inclusive upper bound.
        gt: Exclusive lower bound.
        lt: Exclusive upper bound.
        judgment: True when the value is a judgment call rather than a sourced figure.
        allow_non_finite: Accept ``inf`` and ``nan`` for a numeric parameter; by default a
            non-finite number is refused with an error naming the parameter.

    Returns:
        A pydantic ``FieldInfo`` carrying the metadata in ``json_schema_extra``.
    """
    return Field(
        default,
        description=description,
        ge=ge,
        le=le,
        gt=gt,
        lt=lt,
        # a number field refuses inf and nan (other kinds of field have no such check)
        allow_inf_nan=allow_non_finite if _is_number(default) else None,
        json_schema_extra={
            "unit": unit,
            "source": source,
            "judgment": judgment,
            "allow_non_finite": allow_non_finite,
        },
    )


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)
