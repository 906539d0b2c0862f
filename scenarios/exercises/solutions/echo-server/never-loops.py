# Broken: serves the first client well, then exits.
import os
import socket

s = socket.socket()
s.bind(("127.0.0.1", int(os.environ["PORT"])))
s.listen()
conn, addr = s.accept()
while True:
    data = conn.recv(65536)
    if not data:
        break
    conn.sendall(data)
conn.close()
