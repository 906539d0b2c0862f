# Broken: connects to the tutorial's fixed port.
import socket

with socket.create_connection(("127.0.0.1", 12347)) as s:
    print(s.recv(4096).decode(), end="")
