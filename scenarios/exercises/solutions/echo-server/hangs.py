# Broken: accepts, reads, and never answers.
import os
import socket

s = socket.socket()
s.bind(("127.0.0.1", int(os.environ["PORT"])))
s.listen()
while True:
    conn, addr = s.accept()
    while conn.recv(1024):
        pass
    conn.close()
