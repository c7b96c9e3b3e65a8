"""The web face simulator's page: static files (``static/``) that the ``sim`` driver serves to a browser.

The page draws the face from the controller's channel values and plays the robot's voice at its pts; see
docs/SIMULATOR.md. It is plain JavaScript with no build step, so a robot builder can read and change it.
"""
