# Reference solution: read exactly the header, then exactly the body.
import os
import socket


def recv_exactly(conn, n):
    data = b""
    while len(data) < n:
        chunk = conn.recv(n - len(data))
        if not chunk:
            return None
        data += chunk
    return data


with socket.socket() as s:
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("127.0.0.1", int(os.environ["PORT"])))
    s.listen()
    while True:
        conn, addr = s.accept()
        with conn:
            while True:
                header = recv_exactly(conn, 4)
                if header is None:
                    break
                body = recv_exactly(conn, int.from_bytes(header, "big"))
                if body is None:
                    break
                conn.sendall(len(body).to_bytes(4, "big") + body.upper())
