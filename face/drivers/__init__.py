"""Face drivers: where the face-controller's output goes (a log file, the web simulator, servo controllers)."""
