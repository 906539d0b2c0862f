# Broken: sends the request without its newline, so the server keeps waiting.
import os
import socket

with socket.create_connection((os.environ["HOST"], int(os.environ["PORT"]))) as s:
    s.sendall(b"PING")
    reply = s.recv(1024)
print("Server said:", reply.decode().strip())
