#!/usr/bin/env bash
# Writes an NSD configuration serving bench.test (MX 10 sink.bench.test) into DIR; prints the file's path.
#   start-nsd.sh DIR DNS_ADDRESS SINK_ADDRESS
set -euo pipefail
dir=$1 dns=$2 sink=$3
mkdir -p "$dir"
cat > "$dir/bench.test.zone" <<ZONE
\$TTL 3600
@       IN SOA  ns.bench.test. webmaster.bench.test. ( 2026120201 10800 3600 604800 3600 )
        IN NS   ns.bench.test.
        IN MX   10 sink.bench.test.
ns      IN A    $dns
sink    IN A    $sink
ZONE
cat > "$dir/nsd.conf" <<CONF
server:
  ip-address: $dns
  port: 53
  username: ""
  chroot: ""
  zonesdir: "$dir"
  pidfile: "$dir/nsd.pid"
  database: ""
  xfrdfile: "$dir/xfrd.state"
  zonelistfile: "$dir/zone.list"
remote-control:
  control-enable: no
zone:
  name: bench.test
  zonefile: bench.test.zone
CONF
echo "$dir/nsd.conf"
