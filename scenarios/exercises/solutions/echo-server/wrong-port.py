# Broken: listens on the tutorial's fixed port instead of PORT.
import socket

s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", 12345))
s.listen()
while True:
    conn, addr = s.accept()
    conn.sendall(conn.recv(1024))
    conn.close()
