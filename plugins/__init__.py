"""Plugins: the plugin API and the built-in plugins (lessons, counseling scripts)."""
