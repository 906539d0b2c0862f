# Broken: answers each read, not each line.
import os
import socket

s = socket.socket()
s.bind(("127.0.0.1", int(os.environ["PORT"])))
s.listen()
while True:
    conn, addr = s.accept()
    while True:
        data = conn.recv(4096)
        if not data:
            break
        conn.sendall(data.upper())
    conn.close()
