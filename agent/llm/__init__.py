"""Language-model backends: transformers in a worker thread, or an OpenAI-compatible server."""
