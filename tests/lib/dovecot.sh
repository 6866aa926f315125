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
	cat <<EOF
# private test instance (tests/lib/dovecot.sh)
base_dir = $DV_BASE
state_dir = $DV_DIR/state
log_path = $DV_LOG
info_log_path = $DV_LOG
protocols = lmtp
listen = 127.0.0.1
ssl = no
default_internal_user = $DV_INTERNAL_USER
default_internal_group = $(id -gn "$DV_INTERNAL_USER")
default_login_user = $DV_LOGIN_USER
first_valid_uid = 1
mail_location = maildir:~/Maildir
mail_fsync = always
lmtp_save_to_detail_mailbox = no
passdb {
  driver = static
  args = nopassword=y
}
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
