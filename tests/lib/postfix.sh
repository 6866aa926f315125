# postfix.sh - a private Postfix instance for end-to-end tests (bash).
#
# Source common.sh first.  The instance lives entirely in one folder (its
# own config, queue, data and log), listens on 127.0.0.1 only, never
# touches /etc/postfix/main.cf (which need not exist) and never sends mail
# off the machine: anything not routed explicitly bounces locally.
#
# Contract:
#   postfix_init DIR          write DIR/conf/{main,master}.cf; sets PF_DIR,
#                             PF_CONF, PF_LOG (maillog), PF_PORT (smtpd on
#                             127.0.0.1), PF_MAILBOXES, PF_MAIL_USER.
#                             Skips (77) unless root: Postfix's master must
#                             start as root.
#   postfix_set 'name = value'           set a main.cf parameter
#   postfix_service 'master.cf line'     add a master.cf service
#   postfix_add_mailbox ADDR             a Maildir mailbox (virtual(8))
#   postfix_route DEST NEXTHOP           transport_maps: DEST (domain or
#                             address) -> NEXTHOP (lmtp:unix:/p, lmtp:inet:
#                             127.0.0.1:N, or a master.cf service name);
#                             a domain is also added to relay_domains, an
#                             address must be accepted some other way (e.g.
#                             postfix_add_mailbox); recipient_delimiter is +
#   postfix_add_pipe NAME USER 'argv...' a pipe(8) service NAME running argv
#                             as USER, flags=Rq, one recipient per delivery
#   postfix_start             check, start master; sets PF_MASTER_PID
#   postfix_stop              stop master and every child (bounded)
#   postfix_wait_delivered [SECONDS]     until the queue is empty (0/1)
#   postfix_queue             print the queue (postqueue -p)
#   postfix_maildir ADDR      print the Maildir of a mailbox
#   postfix_count ADDR        number of messages in that Maildir
#   postfix_send FROM TO [smtp-source options]   one SMTP transaction
#   postfix_sendmail FROM TO < MSG       sendmail(1) into this instance
# Configure everything before postfix_start: maps are texthash: tables,
# read when each daemon starts.

: "${POSTFIX:=$(command -v postfix || echo /usr/sbin/postfix)}"
: "${SMTP_SOURCE:=$(command -v smtp-source || echo /usr/sbin/smtp-source)}"

# postfix__daemon_dir - where master(8) and the daemons are installed.
postfix__daemon_dir() {
	postconf -dh daemon_directory 2>/dev/null || echo /usr/lib/postfix/sbin
}

# postfix_init - lay out a private instance under DIR (see the contract).
postfix_init() {
	[ "$(id -u)" = 0 ] || lr_skip "postfix master needs root (uid $(id -u))"
	[ -x "$POSTFIX" ] || lr_skip "postfix not installed"
	command -v postconf >/dev/null || lr_skip "postconf not found"
	PF_DIR=$1
	PF_CONF=$PF_DIR/conf
	PF_LOG=$PF_DIR/maillog
	PF_MAILBOXES=$PF_DIR/mailboxes
	PF_MAIL_USER=${PF_MAIL_USER:-nobody}
	PF_PORT=$(lr_free_port) || lr_fail "no free port"
	PF_MASTER_PID=
	mkdir -p "$PF_CONF" "$PF_DIR/queue" "$PF_DIR/data" "$PF_MAILBOXES" ||
		lr_fail "cannot create $PF_DIR"
	chmod 0755 "$PF_DIR" "$PF_CONF" "$PF_MAILBOXES"
	chown postfix: "$PF_DIR/data" || lr_fail "no postfix user?"
	chown "$PF_MAIL_USER:" "$PF_MAILBOXES"
	: >"$PF_CONF/transport"
	: >"$PF_CONF/vmailbox"
	PF_NAMES=()
	declare -gA PF_PARAM=()
	postfix__defaults
	postfix__master_cf >"$PF_CONF/master.cf"
	export PF_DIR PF_CONF PF_LOG PF_PORT PF_MAILBOXES
}

# postfix__defaults - the base main.cf: loopback only, nothing leaves.
postfix__defaults() {
	local line
	while IFS= read -r line; do
		postfix_set "$line"
	done <<EOF
compatibility_level = 3.6
queue_directory = $PF_DIR/queue
data_directory = $PF_DIR/data
mail_owner = postfix
setgid_group = postdrop
myhostname = mx.harness.test
mydomain = harness.test
myorigin = \$myhostname
mydestination =
inet_interfaces = 127.0.0.1
inet_protocols = ipv4
mynetworks = 127.0.0.0/8
recipient_delimiter = +
smtputf8_enable = no
biff = no
append_dot_mydomain = no
alias_maps =
alias_database =
maillog_file = $PF_LOG
maillog_file_prefixes = $PF_DIR
queue_run_delay = 1s
minimal_backoff_time = 1s
maximal_backoff_time = 2s
delay_warning_time = 0h
notify_classes =
default_transport = error:5.7.1 test instance: no mail leaves the machine
local_transport = error:5.7.1 test instance: no local delivery
relay_domains =
transport_maps = texthash:$PF_CONF/transport
virtual_mailbox_domains =
virtual_mailbox_base = $PF_MAILBOXES
virtual_mailbox_maps = texthash:$PF_CONF/vmailbox
virtual_uid_maps = static:$(id -u "$PF_MAIL_USER")
virtual_gid_maps = static:$(id -g "$PF_MAIL_USER")
EOF
}

# postfix__write_main_cf - every parameter, in the order first set.
postfix__write_main_cf() {
	local name
	echo "# private test instance (tests/lib/postfix.sh)"
	for name in "${PF_NAMES[@]}"; do
		printf '%s = %s\n' "$name" "${PF_PARAM[$name]}"
	done
}

# postfix__master_cf - daemons without chroot; smtpd on PF_PORT only.
postfix__master_cf() {
	cat <<EOF
127.0.0.1:$PF_PORT inet n - n - - smtpd
pickup    unix  n - n 60 1 pickup
cleanup   unix  n - n -  0 cleanup
qmgr      unix  n - n 300 1 qmgr
rewrite   unix  - - n -  - trivial-rewrite
bounce    unix  - - n -  0 bounce
defer     unix  - - n -  0 bounce
trace     unix  - - n -  0 bounce
verify    unix  - - n -  1 verify
flush     unix  n - n 1000? 0 flush
proxymap  unix  - - n -  - proxymap
showq     unix  n - n -  - showq
error     unix  - - n -  - error
retry     unix  - - n -  - error
discard   unix  - - n -  - discard
smtp      unix  - - n -  - smtp
relay     unix  - - n -  - smtp
lmtp      unix  - - n -  - lmtp
virtual   unix  - n n -  - virtual
anvil     unix  - - n -  1 anvil
scache    unix  - - n -  1 scache
postlog   unix-dgram n - n - 1 postlogd
EOF
}


# postfix_set - set a main.cf parameter ('name = value'), replacing it;
# main.cf is written by postfix_start.
postfix_set() {
	local name=${1%%=*} value=${1#*=}
	name=${name%"${name##*[! ]}"}
	value=${value#"${value%%[! ]*}"}
	[ -n "${PF_PARAM[$name]+set}" ] || PF_NAMES+=("$name")
	PF_PARAM[$name]=$value
}

# postfix__append_list - append VALUE to the list parameter NAME once.
postfix__append_list() {
	local name=$1 value=$2 old=${PF_PARAM[$1]}
	case ", $old, " in
	*", $value, "*) ;;
	*) postfix_set "$name = ${old:+$old, }$value" ;;
	esac
}

# postfix_add_mailbox - a virtual Maildir mailbox for ADDR.
postfix_add_mailbox() {
	printf '%s %s/\n' "$1" "$1" >>"$PF_CONF/vmailbox"
	postfix__append_list virtual_mailbox_domains "${1#*@}"
}

# postfix_route - send DEST (domain or user@domain) to NEXTHOP.
postfix_route() {
	printf '%s %s\n' "$1" "$2" >>"$PF_CONF/transport"
	case $1 in
	*@*) ;;
	*) postfix__append_list relay_domains "$1" ;;
	esac
}

# postfix_add_pipe - pipe(8) service NAME running ARGV as USER.
postfix_add_pipe() {
	local name=$1 user=$2 argv=$3
	postfix_service "$name unix - n n - - pipe flags=Rq user=$user argv=$argv"
	postfix_set "${name}_destination_recipient_limit = 1"
}

# postfix_start - validate the instance and run master(8) in the background.
postfix_start() {
	local err
	postfix__write_main_cf >"$PF_CONF/main.cf"
	# Postfix sleeps until a config or table file is >1 s old: age them.
	touch -d '-10 seconds' "$PF_CONF"/*
	err=$("$POSTFIX" -c "$PF_CONF" check 2>&1) ||
		lr_fail "postfix check: $err"
	[ -z "$err" ] || lr_log "postfix check: $err"
	"$(postfix__daemon_dir)/master" -c "$PF_CONF" </dev/null >/dev/null 2>&1 &
	PF_MASTER_PID=$!
	lr_on_exit postfix_stop
	if ! lr_wait_service "$PF_MASTER_PID" "inet:127.0.0.1:$PF_PORT" 15; then
		tail -20 "$PF_LOG" >&2 2>/dev/null
		lr_fail "postfix smtpd did not listen on 127.0.0.1:$PF_PORT"
	fi
	lr_log "postfix master pid $PF_MASTER_PID, smtpd 127.0.0.1:$PF_PORT"
}

# postfix_service - add a master.cf line.
postfix_service() {
	printf '%s\n' "$1" >>"$PF_CONF/master.cf"
}

# postfix_stop - TERM master (it passes TERM to its children), wait for all.
postfix_stop() {
	[ -n "$PF_MASTER_PID" ] || return 0
	lr_kill_session "$PF_MASTER_PID" 15 ||
		echo "warning: postfix pids left: $(lr_session_pids "$PF_MASTER_PID")" >&2
	PF_MASTER_PID=
}

# postfix_queue - print the instance's queue listing.
postfix_queue() {
	postqueue -c "$PF_CONF" -p 2>&1
}

# postfix_retrying CMD [ARG...] - CMD after asking Postfix to retry what it
# deferred (postqueue -f, at most once a second): for lr_wait_until while a
# peer that was down comes back.  Postfix 3.7's qmgr can leave a message it
# logged "skipped, still being delivered" untried past maximal_backoff_time
# (seen in federation-outage: 2 of 3 deferred exchanges arrived, the third
# waited 30 s in the deferred queue).
postfix__flushed_at=-1
postfix_retrying() {
	if [ "$SECONDS" != "$postfix__flushed_at" ]; then
		postqueue -c "$PF_CONF" -f >/dev/null 2>&1
		postfix__flushed_at=$SECONDS
	fi
	"$@"
}

# postfix__queue_empty - true when nothing is queued.
postfix__queue_empty() {
	postqueue -c "$PF_CONF" -p 2>/dev/null | grep -q '^Mail queue is empty'
}

# postfix_wait_delivered - wait (default 30 s) for an empty queue.
postfix_wait_delivered() {
	lr_wait_until "${1:-30}" postfix__queue_empty && return 0
	echo "postfix queue not empty after ${1:-30}s:" >&2
	postfix_queue >&2
	tail -20 "$PF_LOG" >&2
	return 1
}

# postfix_maildir - the Maildir folder of mailbox ADDR.
postfix_maildir() {
	echo "$PF_MAILBOXES/$1"
}

# postfix_count - messages delivered to the Maildir of ADDR.
postfix_count() {
	find "$(postfix_maildir "$1")/new" "$(postfix_maildir "$1")/cur" \
		-type f 2>/dev/null | wc -l
}

# postfix_send - one message FROM -> TO over SMTP (extra smtp-source args).
postfix_send() {
	local from=$1 to=$2
	shift 2
	timeout 60 "$SMTP_SOURCE" -f "$from" -t "$to" "$@" "127.0.0.1:$PF_PORT"
}

# postfix_sendmail - submit stdin with sendmail(1) (postdrop + pickup).
postfix_sendmail() {
	timeout 60 "$(postconf -dh command_directory)/sendmail" \
		-C "$PF_CONF" -f "$1" -- "$2"
}
