"""Plugins that ship with companion."""
