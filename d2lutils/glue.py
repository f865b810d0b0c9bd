"""Put computed values into the book's prose with MyST-NB's `glue` (a no-op outside the book)."""


def glue(name, value, display=False):
    """Record `value` under `name` for `{glue:text}` roles; returns None.

    It returns nothing, so that a glue call ending a cell shows no stray `Out[]` value.

    In the book build MyST-NB is installed and stores the value in the cell's output.
    In Colab or plain Jupyter without MyST-NB nothing is stored and nothing is shown.
    """
    try:
        from myst_nb import glue as _glue
    except ImportError:
        return None
    _glue(name, value, display=display)
    return None
