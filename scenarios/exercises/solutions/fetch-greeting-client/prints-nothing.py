# Broken: reads the greeting but forgets to print it.
import os
import socket

with socket.create_connection((os.environ["HOST"], int(os.environ["PORT"]))) as s:
    while s.recv(4096):
        pass
