# Broken: reads the length as text and waits for far too many bytes.
import os
import socket

s = socket.socket()
s.bind(("127.0.0.1", int(os.environ["PORT"])))
s.listen()
while True:
    conn, addr = s.accept()
    header = conn.recv(4)
    n = int.from_bytes(header, "little")
    body = conn.recv(n, socket.MSG_WAITALL)
    conn.sendall(len(body).to_bytes(4, "big") + body.upper())
    conn.close()
