"""The browser explorer of bubblesim (Solara): ``bubblesim ui`` serves ``viz/app.py``.

The library (``bubblesim``) never imports this package; everything that needs solara lives here.
"""
