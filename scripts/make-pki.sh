#!/usr/bin/env bash
# Makes a self-signed CA, a server certificate and client certificates for a local
# setup (the demo, a lab). Not for production: use your organisation's CA there.
#
#   scripts/make-pki.sh DIR [CLIENT_CN ...]
#
# DIR/ca.crt, DIR/server.{crt,key} (SAN localhost, 127.0.0.1, ::1, this host's name)
# and DIR/<cn>.{crt,key} per client CN. Existing files are kept.
set -euo pipefail

dir=${1:?usage: make-pki.sh DIR [CLIENT_CN ...]}
shift
mkdir -p "$dir"
chmod 700 "$dir"
cd "$dir"
umask 077

ec_key() { openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:prime256v1 -out "$1" 2>/dev/null; }

if [ ! -f ca.crt ]; then
  ec_key ca.key
  openssl req -x509 -new -key ca.key -out ca.crt -days 365 -subj "/CN=ocserv-agent local CA" \
    -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null
fi

issue() { # name cn san usage
  local name=$1 cn=$2 san=$3 usage=$4
  [ -f "$name.crt" ] && return 0
  ec_key "$name.key"
  openssl req -new -key "$name.key" -out "$name.csr" -subj "/CN=$cn" 2>/dev/null
  printf 'basicConstraints=CA:FALSE\nextendedKeyUsage=%s\n%s' "$usage" "${san:+subjectAltName=$san
}" > "$name.ext"
  openssl x509 -req -in "$name.csr" -CA ca.crt -CAkey ca.key -CAcreateserial -out "$name.crt" -days 365 \
    -extfile "$name.ext" 2>/dev/null
  rm -f "$name.csr" "$name.ext"
}

issue server "$(hostname)" "DNS:localhost,DNS:$(hostname),IP:127.0.0.1,IP:::1" serverAuth
for cn in "$@"; do
  issue "$cn" "$cn" "DNS:$cn" clientAuth
done
chmod 600 ./*.key
chmod 644 ./*.crt
