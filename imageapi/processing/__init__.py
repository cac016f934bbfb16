"""Image processing with libvips. Only this package imports pyvips."""
