# Broken: greets, but keeps every connection open.
import os
import socket

s = socket.socket()
s.bind(("127.0.0.1", int(os.environ["PORT"])))
s.listen()
kept = []
while True:
    conn, addr = s.accept()
    conn.sendall(b"Thank you for connecting\n")
    kept.append(conn)
