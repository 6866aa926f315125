dnl LR_PKG_REQUIRE(VAR, MODULES, DEBIAN-PACKAGE): pkg-config check that
dnl fails with the Debian package to install.
AC_DEFUN([LR_PKG_REQUIRE], [
	PKG_CHECK_MODULES([$1], [$2], [],
		[AC_MSG_ERROR([$2 not found: install the Debian package $3 (apt-get install $3)])])
])
