# Broken: reports the reply, then keeps the connection open and never exits.
import os
import socket
import time

s = socket.create_connection((os.environ["HOST"], int(os.environ["PORT"])))
s.sendall(b"PING\n")
print("Server said:", s.recv(1024).decode().strip())
while True:
    time.sleep(60)
