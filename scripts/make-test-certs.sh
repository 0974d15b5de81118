#!/usr/bin/env bash
# Test certificates for a secured cluster (EC P-256, openssl). NOT for production: the CA key sits next to the certs.
#
#   scripts/make-test-certs.sh OUTDIR [node addresses...]     (default nodes: 127.0.0.1:50051 .. :50055)
#
# Creates in OUTDIR:
#   ca.pem, ca-key.pem                 the cluster CA
#   node-<address>.pem, -key.pem       one per node (<address> with every character but letters, digits and . as -):
#                                      CN = the node's access point (its identity in the cluster), SAN IP:127.0.0.1
#                                      and DNS:localhost (+ the address's host), usable as server and client cert
#   admin.pem, admin-key.pem           an operator's client certificate (CN=admin) signed by the cluster CA
#   foreign-ca.pem, foreign.pem, foreign-key.pem
#                                      another CA and a certificate it signed that claims to be the first node,
#                                      for negative tests
# Idempotent: files that exist are kept (a new CA is made only if ca.pem or ca-key.pem is missing, and then
# every certificate is made again).
set -euo pipefail

if [[ $# -lt 1 || "$1" == -* ]]; then
  echo "usage: $0 OUTDIR [node addresses...]" >&2
  exit 2
fi
out=$1
shift
nodes=("$@")
[[ ${#nodes[@]} -gt 0 ]] || nodes=(127.0.0.1:50051 127.0.0.1:50052 127.0.0.1:50053 127.0.0.1:50054 127.0.0.1:50055)
openssl=${OPENSSL:-openssl}
days=3650
mkdir -p "$out"
umask 077

# key FILE: a fresh P-256 private key (PKCS#8) unless FILE exists.
key() { [[ -s $1 ]] || "$openssl" genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1" 2>/dev/null; }

# ca NAME CN: a self-signed CA (NAME.pem, NAME-key.pem) unless both exist; 0 when it made a new one.
ca() {
  [[ -s $out/$1.pem && -s $out/$1-key.pem ]] && return 1
  rm -f "$out/$1-key.pem"
  key "$out/$1-key.pem"
  "$openssl" req -x509 -new -key "$out/$1-key.pem" -sha256 -days $days -subj "/CN=$2" \
    -addext 'basicConstraints=critical,CA:TRUE' -addext 'keyUsage=critical,keyCertSign,cRLSign' -out "$out/$1.pem"
}

# leaf NAME CN SAN CA: NAME.pem and NAME-key.pem signed by CA, usable as server and client certificate.
leaf() {
  local name=$1 cn=$2 san=$3 issuer=$4
  [[ -s $out/$name.pem && -s $out/$name-key.pem ]] && return 0
  rm -f "$out/$name-key.pem"
  key "$out/$name-key.pem"
  "$openssl" req -new -key "$out/$name-key.pem" -subj "/CN=$cn" -out "$out/$name.csr"
  "$openssl" x509 -req -in "$out/$name.csr" -CA "$out/$issuer.pem" -CAkey "$out/$issuer-key.pem" -set_serial "0x$("$openssl" rand -hex 16)" \
    -days $days -sha256 -out "$out/$name.pem" -extfile <(printf '%s\n' \
      'basicConstraints=critical,CA:FALSE' 'keyUsage=critical,digitalSignature,keyEncipherment' \
      'extendedKeyUsage=serverAuth,clientAuth' "subjectAltName=$san") 2>/dev/null
  rm -f "$out/$name.csr"
}

# The SAN of a node: localhost always, plus the host of its address ([::1]:50051 -> ::1).
san_of() {
  local host=${1%:*}
  host=${host#[}; host=${host%]}
  local san='IP:127.0.0.1,DNS:localhost'
  if [[ $host != 127.0.0.1 && $host != localhost ]]; then
    if [[ $host =~ ^[0-9.]+$ || $host == *:* ]]; then san="$san,IP:$host"; else san="$san,DNS:$host"; fi
  fi
  printf '%s' "$san"
}

file_of() { printf 'node-%s' "$(printf '%s' "$1" | tr -c 'A-Za-z0-9.' '-')"; }

if ca ca 'atomic-token-manager test cluster CA'; then
  # A new cluster CA: certificates of an old one would no longer verify.
  rm -f "$out"/node-*.pem "$out"/admin.pem "$out"/admin-key.pem
fi
for node in "${nodes[@]}"; do leaf "$(file_of "$node")" "$node" "$(san_of "$node")" ca; done
leaf admin admin 'DNS:admin' ca

if ca foreign-ca 'foreign test CA'; then rm -f "$out/foreign.pem" "$out/foreign-key.pem"; fi
leaf foreign "${nodes[0]}" "$(san_of "${nodes[0]}")" foreign-ca
rm -f "$out"/*.srl
chmod 644 "$out"/*.pem
chmod 600 "$out"/*-key.pem
echo "test certificates in $out: ca.pem, $(for n in "${nodes[@]}"; do printf '%s.pem ' "$(file_of "$n")"; done)admin.pem, foreign-ca.pem, foreign.pem"
