# Broken: prints the greeting, then raises.
import os
import socket

with socket.create_connection((os.environ["HOST"], int(os.environ["PORT"]))) as s:
    data = b""
    while True:
        chunk = s.recv(4096)
        if not chunk:
            break
        data += chunk
print(data.decode(), end="")
raise SystemExit("done, but badly")
