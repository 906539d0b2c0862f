# Broken: answers with whatever one recv returned, before the whole message is there.
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
        body = data[4:]
        conn.sendall(len(body).to_bytes(4, "big") + body.upper())
    conn.close()
