"""Sample rigs (actuator maps) shipped with companion; `companion face --rig sample` loads sample.yaml from here."""
