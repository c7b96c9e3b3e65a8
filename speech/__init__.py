"""Speech: audio sources and sinks, voice activity detection, speech-to-text, text-to-speech and playout."""
