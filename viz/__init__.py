"""The browser explorer of bubblesim (Solara): ``bubblesim ui`` serves ``viz/app.py``.

The library (``bubblesim``) never imports this package; everything that needs solara lives here.

Importing it selects reacton's fast renderer (``REACTON_FAST=1``, unless the variable is set):
it skips unchanged component subtrees when reconciling widgets, so a frame of the main views no
longer walks every widget of the sidebar (about 100 ms a frame otherwise). Set
``REACTON_FAST=0`` to get the classic renderer back.
"""

import os

os.environ.setdefault("REACTON_FAST", "1")
