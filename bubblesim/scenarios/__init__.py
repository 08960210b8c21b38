"""Named scenario presets: TOML files of flat parameter overrides, shipped with the package.

A preset file has a one-line ``description``, an optional ``details`` text, an ``[overrides]``
table of flat parameter names (the same names as ``BubbleModel`` keywords) and an optional
``[sources]`` table giving the source of an overridden value (``name = "where it comes from"``).
Users can pass the path of their own file wherever a preset name is accepted.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

from bubblesim.config import ConfigError, ModelConfig, build_config


@dataclass(frozen=True)
class Scenario:
    """A preset: its name, description and overrides."""

    name: str
    description: str
    details: str
    overrides: dict[str, Any]
    sources: dict[str, str] = field(default_factory=dict)


def _preset_files() -> dict[str, Any]:
    root = resources.files(__package__)
    return {p.name.removesuffix(".toml"): p for p in root.iterdir() if p.name.endswith(".toml")}


def list_scenarios() -> list[Scenario]:
    """Every shipped preset, ``baseline`` first."""
    names = sorted(_preset_files(), key=lambda n: (n != "baseline", n))
    return [load_scenario(n) for n in names]


def load_scenario(name_or_path: str | Path) -> Scenario:
    """Load a preset by name, or a user's TOML file by path.

    Raises:
        ConfigError: If the name is unknown, the file cannot be read or parsed, or it has
            unexpected keys.
    """
    files = _preset_files()
    key = str(name_or_path)
    if key in files:
        text, name = files[key].read_text(encoding="utf-8"), key
    else:
        path = Path(key)
        if not path.is_file():
            raise ConfigError(
                f"unknown scenario {key!r}: not a preset ({', '.join(sorted(files))}) "
                "nor a readable TOML file"
            )
        try:
            text = path.read_text(encoding="utf-8")
        except UnicodeDecodeError as err:
            raise ConfigError(
                f"scenario file {key!r} is not UTF-8 text (byte {err.start}); save it as UTF-8"
            ) from None
        except OSError as err:
            raise ConfigError(f"cannot read scenario file {key!r}: {err.strerror}") from None
        name = path.stem
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as err:
        raise ConfigError(f"scenario {key!r} is not valid TOML: {err}") from None
    extra = set(data) - {"description", "details", "overrides", "sources"}
    if extra:
        raise ConfigError(f"scenario {key!r}: unexpected keys {sorted(extra)}")
    overrides = data.get("overrides", {})
    sources = data.get("sources", {})
    if not isinstance(overrides, dict) or not isinstance(sources, dict):
        raise ConfigError(f"scenario {key!r}: [overrides] and [sources] must be tables")
    stray = sorted(set(sources) - set(overrides))
    if stray:
        raise ConfigError(f"scenario {key!r}: [sources] names values it does not set: {stray}")
    return Scenario(
        name,
        data.get("description", ""),
        data.get("details", ""),
        overrides,
        {k: str(v) for k, v in sources.items()},
    )


def scenario_config(
    name_or_path: str | Path = "baseline", overrides: Mapping[str, Any] | None = None
) -> ModelConfig:
    """The validated configuration of a preset with extra flat overrides on top.

    Raises:
        ConfigError: On an unknown scenario or an invalid override (message names the field).
    """
    scenario = load_scenario(name_or_path)
    merged = {**scenario.overrides, **dict(overrides or {})}
    config = build_config(merged)
    return config.model_copy(update={"scenario": scenario.name})
