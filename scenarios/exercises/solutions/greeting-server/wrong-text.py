# Broken: the greeting's words are not the ones asked for.
import os
import socket

s = socket.socket()
s.bind(("127.0.0.1", int(os.environ["PORT"])))
s.listen()
while True:
    conn, addr = s.accept()
    conn.sendall(b"Thanks for connecting\n")
    conn.close()
