# Broken: greets the first client, then exits.
import os
import socket

s = socket.socket()
s.bind(("127.0.0.1", int(os.environ["PORT"])))
s.listen()
conn, addr = s.accept()
conn.sendall(b"Thank you for connecting\n")
conn.close()
