"""bubblesim: an agent-based simulation of the AI-infrastructure credit bubble.

Hyperscalers and neoclouds, bitcoin miners turned AI hosts, lenders and AI labs trade compute
contracts over a credit network. The library is headless: it never imports solara (the explorer
lives in ``viz/``).
"""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("bubblesim")
except PackageNotFoundError:  # pragma: no cover - running from a source tree without install
    __version__ = "0.0.0+unknown"

__all__ = ["__version__"]
