"""The dialogue policy chain: crisis safety first, then the persona's plugins, then the language model."""
