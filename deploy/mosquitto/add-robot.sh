#!/usr/bin/env bash
# Adds a robot to the broker: its agent, face-controller and perception users (passwords asked for by
# mosquitto_passwd, or taken from $AGENT_PASSWORD, $FACE_PASSWORD and $PERCEPTION_PASSWORD) and their ACL blocks,
# in ./passwd and ./acl beside this script.
# Usage: ./add-robot.sh ROBOT_ID        (robot.id in the robot's config.yaml: letters, digits, _ and -)
# Then reload mosquitto (kill -HUP its pid, or systemctl reload companion-mosquitto).
set -euo pipefail
cd "$(dirname "$0")"
id="${1:?usage: $0 ROBOT_ID}"
[[ "$id" =~ ^[A-Za-z0-9_-]+$ ]] || { echo "robot id must be letters, digits, _ and -" >&2; exit 2; }
touch passwd && chmod 600 passwd
for role in agent face perception; do
  user="$id-$role"
  var="$(tr '[:lower:]' '[:upper:]' <<<"$role")_PASSWORD"
  if [[ -n "${!var:-}" ]]; then mosquitto_passwd -b passwd "$user" "${!var}"; else mosquitto_passwd passwd "$user"; fi
done
t="companion/$id"
cat >>acl <<ACL

user $id-agent
topic write $t/face/frames
topic write $t/face/layout
topic write $t/face/expression
topic write $t/face/command
topic write $t/face/audio
topic write $t/agent/status
topic write $t/safety/#
topic write $t/perception/#
topic read $t/perception/#
topic read $t/face/status
topic read $t/agent/command

user $id-face
topic write $t/face/status
topic read $t/face/frames
topic read $t/face/layout
topic read $t/face/command
topic read $t/face/audio
topic read $t/agent/status

user $id-perception
topic write $t/perception/#
ACL
echo "added users $id-agent, $id-face and $id-perception; reload mosquitto to apply"
