# Broken: answers only the first line of each read.
import os
import socket

s = socket.socket()
s.bind(("127.0.0.1", int(os.environ["PORT"])))
s.listen()
while True:
    conn, addr = s.accept()
    buffer = b""
    while True:
        data = conn.recv(4096)
        if not data:
            break
        buffer += data
        if b"\n" in buffer:
            line, buffer = buffer.split(b"\n", 1)
            conn.sendall(line.upper() + b"\n")
            buffer = b""
    conn.close()
