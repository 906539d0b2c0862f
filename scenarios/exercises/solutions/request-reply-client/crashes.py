# Broken: forgets to encode the request, so sendall raises TypeError.
import os
import socket

with socket.create_connection((os.environ["HOST"], int(os.environ["PORT"]))) as s:
    s.sendall("PING\n")
    print("Server said:", s.recv(1024).decode().strip())
