"""Arobase core: settings, town content, opening hours, replies and the CLI."""
