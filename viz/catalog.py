"""What the server accepts from a page: scenario names, sweep folders, link parameters.

- A scenario is a shipped preset (``bubblesim scenarios``) or a ``NAME.toml`` file in the user's
  scenario folder (``BUBBLESIM_SCENARIO_DIR``, default ``./scenarios``). No other path is read.
- A sweep folder must lie inside the results root (``BUBBLESIM_RESULTS_ROOT``, default the
  working directory), after symbolic links are resolved.
- A link (the page's query string) carries the scenario, the seed, the horizon and every
  parameter that differs from the scenario's value; :func:`parse_query` reads it back.
- :func:`scenario_toml` writes a configuration as a scenario file that
  ``bubblesim run --scenario`` accepts.
"""

from __future__ import annotations

import json
import math
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode

from bubblesim.config import ConfigError, parameters
from bubblesim.scenarios import list_scenarios, load_scenario, scenario_config
from bubblesim.simulate import DEFAULT_STEPS

SCENARIO_DIR_ENV = "BUBBLESIM_SCENARIO_DIR"
RESULTS_ROOT_ENV = "BUBBLESIM_RESULTS_ROOT"
USER_SUFFIX = ".toml"
MAX_HORIZON_WEEKS = 5200  # a hundred years
_FILE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*\.toml$")


def scenario_dir() -> Path:
    """The user's scenario folder."""
    return Path(os.environ.get(SCENARIO_DIR_ENV, "scenarios")).expanduser().resolve()


def results_root() -> Path:
    """The folder under which the sweep page may read result folders."""
    return Path(os.environ.get(RESULTS_ROOT_ENV, ".")).expanduser().resolve()


def preset_names() -> list[str]:
    """The shipped presets, ``baseline`` first."""
    return [s.name for s in list_scenarios()]


def user_scenario_names() -> list[str]:
    """The ``NAME.toml`` files of the user's scenario folder, sorted."""
    folder = scenario_dir()
    if not folder.is_dir():
        return []
    return sorted(p.name for p in folder.glob("*.toml") if p.is_file() and _FILE_NAME.match(p.name))


def scenario_names() -> list[str]:
    """Every scenario a page may choose: presets, then the user's files."""
    return preset_names() + user_scenario_names()


def resolve_scenario(name: str) -> str:
    """What the model is built from: a preset's name, or the path of one of the user's files.

    Raises:
        ConfigError: For anything else (other paths, unknown names).
    """
    name = str(name)
    if name in preset_names():
        return name
    if _FILE_NAME.match(name) and name in user_scenario_names():
        return str(scenario_dir() / name)
    raise ConfigError(
        f"unknown scenario {name!r}: choose a preset ({', '.join(preset_names())}) "
        f"or a .toml file in {scenario_dir()}"
    )


def scenario_description(name: str) -> str:
    """The scenario's one-line description ('' if it cannot be read)."""
    try:
        return load_scenario(resolve_scenario(name)).description
    except ConfigError:
        return ""


def scenario_values(name: str) -> dict[str, Any]:
    """Every flat parameter's value under a scenario (defaults with its overrides).

    Raises:
        ConfigError: If the scenario is unknown or invalid.
    """
    from bubblesim.config import flat_values

    return flat_values(scenario_config(resolve_scenario(name)))


def sweep_folder(text: str) -> Path:
    """A sweep folder typed by the user, relative to the results root or inside it.

    Raises:
        ValueError: If the path is empty or lies outside the results root.
    """
    if not text.strip():
        raise ValueError("type the path of a sweep folder (written by `bubblesim sweep`)")
    root = results_root()
    path = Path(text.strip()).expanduser()
    path = (path if path.is_absolute() else root / path).resolve()
    if path != root and root not in path.parents:
        raise ValueError(f"{text.strip()} is outside the results root {root}")
    return path


# -- links -----------------------------------------------------------------------------------------
@dataclass(frozen=True)
class LinkState:
    """What a link asks for; ``problems`` lists what was ignored, and why."""

    scenario: str = "baseline"
    seed: int = 0
    horizon: int = DEFAULT_STEPS
    overrides: dict[str, Any] = field(default_factory=dict)
    problems: tuple[str, ...] = ()


def link_query(scenario: str, seed: int, horizon: int, overrides: dict[str, Any]) -> str:
    """The query string of a run: scenario, seed, horizon (if not the default), changed values."""
    pairs: list[tuple[str, str]] = [("scenario", scenario), ("seed", str(int(seed)))]
    if int(horizon) != DEFAULT_STEPS:
        pairs.append(("horizon", str(int(horizon))))
    pairs += [(name, _link_value(value)) for name, value in sorted(overrides.items())]
    return urlencode(pairs)


def parse_query(search: str | None) -> LinkState:
    """Read a link's query string; bad entries are left out and named in ``problems``."""
    pairs = parse_qsl((search or "").lstrip("?"), keep_blank_values=True)
    problems: list[str] = []
    scenario, seed, horizon = "baseline", 0, DEFAULT_STEPS
    raw: dict[str, str] = {}
    for key, text in pairs:
        if key == "scenario":
            try:
                resolve_scenario(text)
                scenario = text
            except ConfigError as err:
                problems.append(str(err))
        elif key == "seed":
            seed = _whole(text, "seed", 0, problems, default=seed)
        elif key == "horizon":
            horizon = _whole(text, "horizon", 1, problems, default=horizon, top=MAX_HORIZON_WEEKS)
        elif key in parameters():
            raw[key] = text
        else:
            problems.append(f"unknown link parameter {key!r} (ignored)")
    overrides: dict[str, Any] = {}
    for name, text in raw.items():
        value = _typed(name, text)
        try:
            scenario_config(resolve_scenario(scenario), {**overrides, name: value})
        except ConfigError as err:
            problems.append(f"{err} (ignored)")
            continue
        overrides[name] = value
    return LinkState(scenario, seed, horizon, overrides, tuple(problems))


def _whole(text: str, what: str, low: int, problems: list[str], *, default: int, top=None) -> int:
    try:
        value = int(text)
    except ValueError:
        problems.append(f"{what} must be a whole number, got {text!r} (ignored)")
        return default
    if value < low or (top is not None and value > top):
        problems.append(f"{what} {value} is out of range (ignored)")
        return default
    return value


def _link_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return repr(value)
    return str(value)


def _typed(name: str, text: str) -> Any:
    """A link value as the parameter's type (invalid text is passed on for validation)."""
    ann = parameters()[name].annotation
    try:
        if ann is bool:
            return {"true": True, "false": False}.get(text.lower(), text)
        if ann is int:
            return int(text)
        if ann is float:
            return float(text)
    except ValueError:
        return text
    return text


# -- scenario files --------------------------------------------------------------------------------
def scenario_toml(
    values: dict[str, Any], *, description: str, seed: int, steps: int, based_on: str
) -> str:
    """A scenario file setting every value that differs from the calibrated default.

    Args:
        values: Every flat parameter's value (``flat_values(model.config)``).
        description: Its one-line description.
        seed: The run's seed (written as a comment with the command that repeats the run).
        steps: Weeks to simulate (also in that comment).
        based_on: The scenario the run started from (a comment).

    Returns:
        TOML text: ``description``, a comment, and ``[overrides]``.
    """
    defaults = {name: info.default for name, info in parameters().items()}
    changed = {k: v for k, v in values.items() if k in defaults and v != defaults[k]}
    lines = [
        f"description = {_toml(description)}",
        f"# based on {based_on}; repeat the run with:",
        f"#   bubblesim run --scenario THIS_FILE.toml --seed {int(seed)} --steps {int(steps)}",
        "",
        "[overrides]",
    ]
    lines += [f"{name} = {_toml(value)}" for name, value in changed.items()]
    return "\n".join(lines) + "\n"


def _toml(value: Any) -> str:
    """A scalar as a TOML literal."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if math.isnan(value):
            return "nan"
        if math.isinf(value):
            return "inf" if value > 0 else "-inf"
        return repr(value)
    return json.dumps(str(value), ensure_ascii=False)
