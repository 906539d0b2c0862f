# Broken: reads the header and body correctly, but only one message per connection.
import os
import socket

s = socket.socket()
s.bind(("127.0.0.1", int(os.environ["PORT"])))
s.listen()
while True:
    conn, addr = s.accept()
    data = conn.recv(4096)
    n = int.from_bytes(data[:4], "big")
    body = data[4:4 + n]
    conn.sendall(len(body).to_bytes(4, "big") + body.upper())
    conn.close()
