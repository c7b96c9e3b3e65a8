#!/usr/bin/env bash
# Makes the certificates of deploy/mosquitto/mosquitto.conf with openssl, in ./certs:
#   ca.crt / ca.key          your own CA (keep ca.key offline; copy ca.crt to every robot computer)
#   broker.crt / broker.key  the broker's certificate, for the host names and addresses clients use
#   <name>.crt / <name>.key  a client certificate per name given with --client (optional)
# Usage: ./make-certs.sh HOST [HOST...] [--client NAME]...
#   e.g. ./make-certs.sh robot1.museum.lan 10.0.0.5 localhost 127.0.0.1 --client companion-face
set -euo pipefail
cd "$(dirname "$0")"
mkdir -p certs
hosts=() clients=()
while (($#)); do
  case "$1" in
    --client) clients+=("$2"); shift 2 ;;
    *) hosts+=("$1"); shift ;;
  esac
done
((${#hosts[@]})) || { echo "usage: $0 HOST [HOST...] [--client NAME]..." >&2; exit 2; }
san=""
for h in "${hosts[@]}"; do
  if [[ "$h" =~ ^[0-9.]+$ || "$h" == *:* ]]; then san+="IP:$h,"; else san+="DNS:$h,"; fi
done
san="${san%,}"
if [[ ! -f certs/ca.key ]]; then
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 3650 \
    -subj "/CN=companion robot CA" -keyout certs/ca.key -out certs/ca.crt \
    -addext "basicConstraints=critical,CA:TRUE,pathlen:0" -addext "keyUsage=critical,keyCertSign,cRLSign"
fi
issue() {  # NAME SUBJECT-CN EXTENSIONS
  openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -subj "/CN=$2" \
    -keyout "certs/$1.key" -out "certs/$1.csr"
  openssl x509 -req -in "certs/$1.csr" -CA certs/ca.crt -CAkey certs/ca.key -CAcreateserial -days 825 \
    -out "certs/$1.crt" -extfile <(printf '%s\n' "$3")
  rm -f "certs/$1.csr"
  chmod 600 "certs/$1.key"
}
issue broker "${hosts[0]}" "subjectAltName=$san
extendedKeyUsage=serverAuth
basicConstraints=critical,CA:FALSE"
for c in "${clients[@]}"; do
  issue "$c" "$c" "extendedKeyUsage=clientAuth
basicConstraints=critical,CA:FALSE"
done
chmod 600 certs/ca.key
echo "made certs/ca.crt, certs/broker.crt (for $san)${clients:+ and client certificates: ${clients[*]}}"
echo "mosquitto runs as user mosquitto: chown mosquitto: certs/broker.key passwd acl"
