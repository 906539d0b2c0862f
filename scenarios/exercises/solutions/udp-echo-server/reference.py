# Reference solution: every datagram back to its sender.
import os
import socket

with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
    s.bind(("127.0.0.1", int(os.environ["PORT"])))
    while True:
        data, addr = s.recvfrom(65536)
        s.sendto(data, addr)
