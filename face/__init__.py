"""The face: visemes, expressions, the animator, the frame protocol, the MQTT link and the face-controller."""
