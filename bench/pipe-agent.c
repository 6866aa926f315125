/* pipe-agent - bench/pipe's baseline: the trivial delivery agent that
 * writes standard input into a new file of DIR and fsyncs it before exit
 * 0 (a Maildir-like delivery without the rename).  Only libc, so that its
 * start costs the least a program can.
 *
 * Usage: pipe-agent DIR */
#include <fcntl.h>
#include <stdio.h>
#include <time.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	char path[4096], buf[65536];
	struct timespec ts;
	ssize_t n;
	int fd;

	if (argc != 2)
		return 64;
	clock_gettime(CLOCK_REALTIME, &ts);
	snprintf(path, sizeof(path), "%s/%lld.%09ld.%d", argv[1], (long long)ts.tv_sec, ts.tv_nsec,
	         (int)getpid());
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0600);
	if (fd < 0)
		return 75;
	while ((n = read(STDIN_FILENO, buf, sizeof(buf))) > 0)
		if (write(fd, buf, (size_t)n) != n)
			return 75;
	if (n < 0 || fsync(fd) != 0 || close(fd) != 0)
		return 75;
	return 0;
}
