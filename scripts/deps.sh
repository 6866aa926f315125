#!/bin/sh
# deps.sh - install what leadroute needs to build and test on Debian 12
# (run as root; safe to run again: apt-get skips what is installed).
set -e
export DEBIAN_FRONTEND=noninteractive
need=""
for p in build-essential autoconf automake pkg-config git ca-certificates python3 procps \
	libglib2.0-dev libgmime-3.0-dev libcurl4-gnutls-dev libdb5.3-dev libconfig-dev \
	libetpan-dev libxml2-dev libjson-glib-dev \
	media-types shared-mime-info postfix dovecot-core dovecot-lmtpd clang libclang-rt-14-dev llvm valgrind \
	chromium mandoc systemd \
	libgnutls28-dev dovecot-imapd dovecot-pop3d fetchmail \
	libxml2-utils man-db; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' ||
		need="$need $p"
done
[ -z "$need" ] && exit 0
# Postfix asks how to configure the system's mail: leave it unconfigured,
# the tests start their own instances.
echo "postfix postfix/main_mailer_type select No configuration" | debconf-set-selections
apt-get update -qq
apt-get install -y -qq --no-install-recommends $need
