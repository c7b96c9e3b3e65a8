"""Facial landmarks: the interface (``base``) and the backends (``face_mesh``: MediaPipe's attention face mesh run
by onnxruntime)."""
