# Broken: binds, forgets listen(), and waits forever.
import os
import socket
import time

s = socket.socket()
s.bind(("127.0.0.1", int(os.environ["PORT"])))
while True:
    time.sleep(60)
