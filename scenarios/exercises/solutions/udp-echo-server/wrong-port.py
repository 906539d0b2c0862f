# Broken: binds the tutorial's fixed port.
import socket

s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("127.0.0.1", 12346))
while True:
    data, addr = s.recvfrom(65536)
    s.sendto(data, addr)
