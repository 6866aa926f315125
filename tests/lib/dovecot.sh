# dovecot.sh - a private Dovecot LMTP server for tests and benchmarks (bash).
#
# Source common.sh first.  The server has its own configuration, base_dir,
# state_dir and log; it speaks LMTP only, on a unix socket and on
# 127.0.0.1:DV_PORT, and stores every recipient's mail in a Maildir with
# mail_fsync = always (so that it acknowledges only what is on disk).
#
# Contract:
#   dovecot_init DIR     write DIR/dovecot.conf; sets DV_DIR, DV_CONF, DV_LOG,
#                        DV_SOCKET (LMTP unix socket), DV_PORT (LMTP inet),
#                        DV_MAIL (the homes).  Skips (77) when dovecot or its
#                        users are missing.  As root the mail belongs to
#                        DV_MAIL_USER (default nobody); otherwise to the caller.
#                        DV_EXTRA_CONF, if set, is appended to the file.
#   dovecot_start        run it in the foreground-mode background; sets
#                        DV_PID; waits until both listeners accept
#   dovecot_stop         TERM and wait (bounded)
#   dovecot_maildir USER the Maildir of USER (the local part of the address)
#   dovecot_count USER   messages delivered to it

: "${DOVECOT:=$(command -v dovecot || echo /usr/sbin/dovecot)}"

# dovecot__users - pick the system users the server runs its parts as.
dovecot__users() {
	if [ "$(id -u)" = 0 ]; then
		DV_INTERNAL_USER=dovecot
		DV_LOGIN_USER=dovenull
		DV_MAIL_USER=${DV_MAIL_USER:-nobody}
		id dovecot >/dev/null 2>&1 || lr_skip "no dovecot user"
		id dovenull >/dev/null 2>&1 || lr_skip "no dovenull user"
	else
		DV_INTERNAL_USER=$(id -un)
		DV_LOGIN_USER=$(id -un)
		DV_MAIL_USER=$(id -un)
	fi
}

# dovecot__base_dir - a base_dir short enough for unix socket names.
dovecot__base_dir() {
	local base=$DV_DIR/run
	if [ "${#base}" -gt 70 ]; then
		base=$(mktemp -d /tmp/lr-dovecot.XXXXXX) || lr_fail "mktemp"
		lr_on_exit "rm -rf '$base'"
	fi
	mkdir -p "$base" && chmod 0755 "$base"
	echo "$base"
}

# dovecot_init - lay out a private LMTP server under DIR.
dovecot_init() {
	[ -x "$DOVECOT" ] || lr_skip "dovecot not installed"
	[ -x /usr/lib/dovecot/lmtp ] || lr_skip "dovecot-lmtpd not installed"
	dovecot__users
	DV_DIR=$1
	DV_CONF=$DV_DIR/dovecot.conf
	DV_LOG=$DV_DIR/dovecot.log
	DV_MAIL=$DV_DIR/homes
	DV_PORT=$(lr_free_port) || lr_fail "no free port"
	DV_PID=
	mkdir -p "$DV_DIR/state" "$DV_MAIL" || lr_fail "cannot create $DV_DIR"
	chmod 0755 "$DV_DIR"
	DV_BASE=$(dovecot__base_dir)
	DV_SOCKET=$DV_BASE/lmtp
	chown "$DV_MAIL_USER:" "$DV_MAIL"
	dovecot__conf >"$DV_CONF"
	"$DOVECOT" -c "$DV_CONF" -n >/dev/null 2>"$DV_DIR/config.err" ||
		lr_fail "dovecot config: $(cat "$DV_DIR/config.err")"
	export DV_DIR DV_CONF DV_LOG DV_SOCKET DV_PORT DV_MAIL
}

# dovecot__conf - the configuration text.
dovecot__conf() {
	local passdb=${DV_PASSDB:-$'passdb {\n  driver = static\n  args = nopassword=y\n}'}
	cat <<EOF
# private test instance (tests/lib/dovecot.sh)
base_dir = $DV_BASE
state_dir = $DV_DIR/state
log_path = $DV_LOG
info_log_path = $DV_LOG
protocols = lmtp${DV_IMAP:+ imap pop3}
listen = ${DV_LISTEN:-127.0.0.1}
ssl = ${DV_SSL:-no}
default_internal_user = $DV_INTERNAL_USER
default_internal_group = $(id -gn "$DV_INTERNAL_USER")
default_login_user = $DV_LOGIN_USER
first_valid_uid = 1
mail_location = maildir:~/Maildir
mail_fsync = always
lmtp_save_to_detail_mailbox = no
$passdb
userdb {
  driver = static
  args = uid=$(id -u "$DV_MAIL_USER") gid=$(id -g "$DV_MAIL_USER") home=$DV_MAIL/%n
}
service lmtp {
  unix_listener lmtp {
    mode = 0666
  }
  inet_listener lmtp {
    address = 127.0.0.1
    port = $DV_PORT
  }
}
${DV_EXTRA_CONF:-}
EOF
}

# dovecot_start - run dovecot -F in the background, wait for LMTP.
dovecot_start() {
	"$DOVECOT" -F -c "$DV_CONF" </dev/null >>"$DV_DIR/stdout.log" 2>&1 &
	DV_PID=$!
	lr_on_exit dovecot_stop
	if ! lr_wait_service "$DV_PID" "unix:$DV_SOCKET" 15 ||
		! lr_wait_service "$DV_PID" "inet:127.0.0.1:$DV_PORT" 5; then
		cat "$DV_LOG" "$DV_DIR/stdout.log" >&2 2>/dev/null
		lr_fail "dovecot LMTP did not start"
	fi
	lr_log "dovecot pid $DV_PID, lmtp unix:$DV_SOCKET inet:127.0.0.1:$DV_PORT"
}

# dovecot_stop - TERM the master (it stops its children) and wait.
dovecot_stop() {
	[ -n "$DV_PID" ] || return 0
	lr_kill_child "$DV_PID" 15 || echo "warning: dovecot $DV_PID still running" >&2
	DV_PID=
}

# dovecot_maildir - the Maildir of USER.
dovecot_maildir() {
	echo "$DV_MAIL/$1/Maildir"
}

# dovecot_count - messages delivered to USER.
dovecot_count() {
	find "$(dovecot_maildir "$1")/new" "$(dovecot_maildir "$1")/cur" \
		-type f 2>/dev/null | wc -l
}

# ---- IMAP and POP3 with TLS (mailbox sources) ----
#   dovecot_tls_init DIR   a test CA and certificates made with openssl in
#                          DIR/tls, then dovecot_init DIR with IMAP and POP3
#                          as well: users from DV_DIR/passwd (dovecot_user),
#                          auth_verbose logging, and per listening address a
#                          certificate: 127.0.0.1 good (IP:127.0.0.1, by the
#                          CA DV_CA), 127.0.0.2 for another host name,
#                          127.0.0.3 expired, 127.0.0.4 self-signed.  Sets
#                          DV_IMAP_PORT, DV_IMAPS_PORT, DV_POP3_PORT,
#                          DV_POP3S_PORT, DV_CA.
#   dovecot_user NAME PASS add a user (before dovecot_start)
#   dovecot_logins IP      lines of DV_LOG where a login to IP succeeded or
#                          was attempted with a password

# dovecot__cert NAME SAN [ca|self|expired] - a key and certificate in DV_TLS.
dovecot__cert() {
	local name=$1 san=$2 how=${3:-ca} d=$DV_TLS
	openssl req -newkey rsa:2048 -nodes -keyout "$d/$name.key" -out "$d/$name.csr" \
		-subj "/CN=$name" >/dev/null 2>&1 || lr_fail "openssl req $name"
	printf 'subjectAltName=%s\n' "$san" >"$d/$name.ext"
	case $how in
	self)
		openssl x509 -req -in "$d/$name.csr" -signkey "$d/$name.key" -days 30 \
			-extfile "$d/$name.ext" -out "$d/$name.pem" >/dev/null 2>&1 ;;
	expired)
		openssl ca -batch -config "$d/ca.cnf" -in "$d/$name.csr" -out "$d/$name.pem" \
			-startdate 20200101000000Z -enddate 20200201000000Z \
			-extfile "$d/$name.ext" -notext >/dev/null 2>&1 ;;
	*)
		openssl x509 -req -in "$d/$name.csr" -CA "$d/ca.pem" -CAkey "$d/ca.key" \
			-CAcreateserial -days 30 -extfile "$d/$name.ext" \
			-out "$d/$name.pem" >/dev/null 2>&1 ;;
	esac || lr_fail "openssl: certificate $name"
}

# dovecot__ca - the test CA, and an openssl ca configuration for it.
dovecot__ca() {
	local d=$DV_TLS
	mkdir -p "$d/newcerts" && : >"$d/index.txt" && echo 1000 >"$d/serial"
	openssl req -x509 -newkey rsa:2048 -nodes -keyout "$d/ca.key" -out "$d/ca.pem" \
		-days 30 -subj "/CN=leadroute test CA" >/dev/null 2>&1 || lr_fail "openssl CA"
	cat >"$d/ca.cnf" <<EOF
[ ca ]
default_ca = test
[ test ]
dir = $d
database = $d/index.txt
new_certs_dir = $d/newcerts
serial = $d/serial
certificate = $d/ca.pem
private_key = $d/ca.key
default_md = sha256
policy = any
[ any ]
commonName = supplied
EOF
}

# dovecot__tls_conf - the IMAP/POP3 part of the configuration.
dovecot__tls_conf() {
	local d=$DV_TLS ip
	cat <<EOF
ssl_cert = <$d/good.pem
ssl_key = <$d/good.key
auth_verbose = yes
auth_mechanisms = plain login
mail_max_userip_connections = 100
protocol imap {
  imap_idle_notify_interval = 1 secs
}
service imap-login {
  inet_listener imap {
    address = 127.0.0.1 127.0.0.2 127.0.0.3 127.0.0.4
    port = $DV_IMAP_PORT
  }
  inet_listener imaps {
    address = 127.0.0.1 127.0.0.2 127.0.0.3 127.0.0.4
    port = $DV_IMAPS_PORT
    ssl = yes
  }
}
service pop3-login {
  inet_listener pop3 {
    address = 127.0.0.1
    port = $DV_POP3_PORT
  }
  inet_listener pop3s {
    address = 127.0.0.1
    port = $DV_POP3S_PORT
    ssl = yes
  }
}
pop3_uidl_format = %08Xu%08Xv
EOF
	for ip in 2:wrong 3:expired 4:self; do
		printf 'local 127.0.0.%s {\n  ssl_cert = <%s/%s.pem\n  ssl_key = <%s/%s.key\n}\n' \
			"${ip%%:*}" "$d" "${ip#*:}" "$d" "${ip#*:}"
	done
}

# dovecot_tls_init - certificates, then a Dovecot with IMAP and POP3.
dovecot_tls_init() {
	[ -x /usr/lib/dovecot/imap ] || lr_fail "dovecot-imapd not installed (scripts/deps.sh)"
	[ -x /usr/lib/dovecot/pop3 ] || lr_fail "dovecot-pop3d not installed (scripts/deps.sh)"
	command -v openssl >/dev/null || lr_fail "openssl not installed"
	DV_TLS=$1/tls
	mkdir -p "$DV_TLS" "$1" || lr_fail "mkdir $DV_TLS"
	dovecot__ca
	dovecot__cert good "IP:127.0.0.1,DNS:localhost"
	dovecot__cert wrong "DNS:wrong.example"
	dovecot__cert expired "IP:127.0.0.3" expired
	dovecot__cert self "IP:127.0.0.4" self
	chmod 0644 "$DV_TLS"/*.key
	DV_CA=$DV_TLS/ca.pem
	DV_IMAP_PORT=$(lr_free_port) && DV_IMAPS_PORT=$(lr_free_port) &&
		DV_POP3_PORT=$(lr_free_port) && DV_POP3S_PORT=$(lr_free_port) || lr_fail "no port"
	: >"$1/passwd"
	DV_IMAP=1 DV_SSL=yes DV_LISTEN="127.0.0.1 127.0.0.2 127.0.0.3 127.0.0.4" \
		DV_PASSDB=$'passdb {\n  driver = passwd-file\n  args = scheme=PLAIN username_format=%n '"$1/passwd"$'\n}' \
		DV_EXTRA_CONF="$(dovecot__tls_conf)" dovecot_init "$1"
	export DV_CA DV_IMAP_PORT DV_IMAPS_PORT DV_POP3_PORT DV_POP3S_PORT
}

# dovecot_user - a user with a password and an empty Maildir.
dovecot_user() {
	echo "$1:{PLAIN}$2" >>"$DV_DIR/passwd"
	mkdir -p "$DV_MAIL/$1/Maildir/new" "$DV_MAIL/$1/Maildir/cur" "$DV_MAIL/$1/Maildir/tmp"
	chown -R "$DV_MAIL_USER:" "$DV_MAIL/$1"
}

# dovecot_logins - login attempts (good or bad) on local address IP.
dovecot_logins() {
	grep -E "(Login: |auth failed|Aborted login \(auth).*lip=$1[,>]" "$DV_LOG"
}
