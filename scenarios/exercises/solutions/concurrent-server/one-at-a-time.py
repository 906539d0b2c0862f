# Broken: serves clients one after another, so the second one waits.
import os
import socket

s = socket.socket()
s.bind(("127.0.0.1", int(os.environ["PORT"])))
s.listen()
while True:
    conn, addr = s.accept()
    while True:
        data = conn.recv(65536)
        if not data:
            break
        conn.sendall(data)
    conn.close()
