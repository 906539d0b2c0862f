# Broken: decodes bytes wrongly and crashes on the first line.
import os
import socket

s = socket.socket()
s.bind(("127.0.0.1", int(os.environ["PORT"])))
s.listen()
while True:
    conn, addr = s.accept()
    data = conn.recv(4096)
    conn.sendall(data.upper().decode())
