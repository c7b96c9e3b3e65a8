"""The lesson plugin's content layer."""
