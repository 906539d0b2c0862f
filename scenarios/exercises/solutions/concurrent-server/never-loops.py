# Broken: one thread for the first client, and no more accepts.
import os
import socket
import threading


def handle(conn):
    while True:
        data = conn.recv(65536)
        if not data:
            break
        conn.sendall(data)
    conn.close()


s = socket.socket()
s.bind(("127.0.0.1", int(os.environ["PORT"])))
s.listen()
conn, addr = s.accept()
threading.Thread(target=handle, args=(conn,)).start()
