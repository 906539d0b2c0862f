# Broken: answers one datagram, then exits.
import os
import socket

s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("127.0.0.1", int(os.environ["PORT"])))
data, addr = s.recvfrom(65536)
s.sendto(data, addr)
