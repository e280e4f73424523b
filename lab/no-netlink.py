#!/usr/bin/python3
"""Runs a command where the kernel refuses netlink sockets, as a hardened runtime's seccomp
profile may: socket(AF_NETLINK, ...) fails with EPERM for the command and its children (ss
included), everything else is allowed. Needs Debian's python3-seccomp (libseccomp).

    no-netlink.py COMMAND [ARGS...]
"""
import errno
import os
import socket
import sys

import seccomp

AF_NETLINK = 16

if len(sys.argv) < 2:
    sys.exit("usage: no-netlink.py COMMAND [ARGS...]")
f = seccomp.SyscallFilter(defaction=seccomp.ALLOW)
f.add_rule(seccomp.ERRNO(errno.EPERM), "socket", seccomp.Arg(0, seccomp.EQ, AF_NETLINK))
f.load()
try:
    socket.socket(AF_NETLINK, socket.SOCK_RAW, 4)
    sys.exit("no-netlink.py: the filter did not take effect")
except PermissionError:
    pass
os.execvp(sys.argv[1], sys.argv[1:])
