"""A test HTTP server on 127.0.0.1, run on a daemon thread for one test module."""
import threading


def serve_in_thread(server):
    """Yield the started server; shut it down and close its socket afterwards (use with
    `yield from` inside a fixture)."""
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
