"""The Wyoming protocol (Home Assistant's voice protocol): speech-to-text and text-to-speech on another machine."""
