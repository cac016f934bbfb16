"""Rendering steps, one small function over the ``Context`` each (see pipeline)."""
