# Broken: the port is read as text, so bind raises before anything is bound.
import os
import socket

s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("127.0.0.1", os.environ["PORT"]))
