#!/usr/bin/env bash
# Installs what the test suite and benchmarks need on a fresh Debian machine: real peers (swaks, Postfix's
# smtp-source/smtp-sink, Python's aiosmtpd, fetchmail), a DNS server for the routing lab, and the network tools.
# Services are installed without being started: the tests start their own private instances.
set -euo pipefail

packages=(swaks python3-dkim python3-dnspython python3-nacl libnet-ssleay-perl libio-socket-ssl-perl msmtp fetchmail isync postfix python3 python3-aiosmtpd nsd iproute2 curl openssl ca-certificates procps)

missing=()
for package in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "test dependencies: all present"
  exit 0
fi

if [ "$(id -u)" -ne 0 ]; then
  echo "test dependencies missing (${missing[*]}); run this script as root to install them" >&2
  exit 1
fi

echo "test dependencies: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
# Keep package scripts from starting system-wide daemons (Postfix on port 25, NSD on 53).
policy=/usr/sbin/policy-rc.d
created_policy=0
if [ ! -e "$policy" ]; then
  printf '#!/bin/sh\nexit 101\n' > "$policy"
  chmod +x "$policy"
  created_policy=1
fi
echo "postfix postfix/main_mailer_type select No configuration" | debconf-set-selections
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
if [ $created_policy -eq 1 ]; then
  rm -f "$policy"
fi
echo "test dependencies: installed"
