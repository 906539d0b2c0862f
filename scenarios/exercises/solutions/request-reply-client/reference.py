# Reference solution: send a line, read a line, report it.
import os
import socket

with socket.create_connection((os.environ["HOST"], int(os.environ["PORT"]))) as s:
    s.sendall(b"PING\n")
    reply = b""
    while not reply.endswith(b"\n"):
        chunk = s.recv(1024)
        if not chunk:
            break
        reply += chunk
print("Server said:", reply.decode().strip())
