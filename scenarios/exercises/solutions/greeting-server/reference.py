# Reference solution: greet, close, next client.
import os
import socket

with socket.socket() as s:
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("127.0.0.1", int(os.environ["PORT"])))
    s.listen()
    while True:
        conn, addr = s.accept()
        with conn:
            conn.sendall(b"Thank you for connecting\n")
