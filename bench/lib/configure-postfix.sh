#!/usr/bin/env bash
# Writes a private Postfix instance into DIR that relays for NETWORK and listens on ADDRESS:25:
# own configuration, queue and data directories, no chroot, nothing delivered locally.
#   configure-postfix.sh DIR ADDRESS NETWORK
set -euo pipefail
dir=$1 address=$2 network=$3
mkdir -p "$dir/etc" "$dir/spool" "$dir/data"
chmod 755 "$dir" "$(dirname "$dir")" "$dir/spool"
chown postfix:postfix "$dir/data"
cat > "$dir/etc/main.cf" <<MAIN
compatibility_level = 3.6
myhostname = relay.postfix.bench
queue_directory = $dir/spool
data_directory = $dir/data
maillog_file = $dir/maillog
maillog_file_prefixes = $dir
inet_interfaces = $address
inet_protocols = ipv4
mynetworks = $network
mydestination =
alias_maps =
alias_database =
smtp_tls_security_level = none
smtpd_tls_security_level = none
MAIN
cp /etc/postfix/master.cf "$dir/etc/master.cf"
postconf -c "$dir/etc" -F '*/*/chroot = n'
# Postfix's unprivileged daemons read the configuration whatever the umask was.
chmod -R go+rX "$dir/etc"
/usr/lib/postfix/sbin/post-install "config_directory=$dir/etc" meta_directory=/etc/postfix create-missing
