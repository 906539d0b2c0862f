# Broken: answers correctly but never closes, so an HTTP/1.0 client waits forever.
import os
import socket

OK = b"HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 6\r\n\r\nHello\n"
MISSING = b"HTTP/1.0 404 Not Found\r\nContent-Type: text/plain\r\nContent-Length: 10\r\n\r\nNot found\n"

s = socket.socket()
s.bind(("127.0.0.1", int(os.environ["PORT"])))
s.listen()
open_connections = []
while True:
    conn, addr = s.accept()
    request = b""
    while b"\r\n\r\n" not in request:
        data = conn.recv(4096)
        if not data:
            break
        request += data
    conn.sendall(OK if request.split(b" ")[1] == b"/" else MISSING)
    open_connections.append(conn)
