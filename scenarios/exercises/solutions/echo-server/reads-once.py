# Broken: reads only once per client, then closes.
import os
import socket

s = socket.socket()
s.bind(("127.0.0.1", int(os.environ["PORT"])))
s.listen()
while True:
    conn, addr = s.accept()
    data = conn.recv(1024)
    conn.sendall(data)
    conn.close()
