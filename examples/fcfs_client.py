#!/usr/bin/env python3
"""First-come first-served as an external scheduler of `capsim serve --external`.

    python3 examples/fcfs_client.py ADDRESS [--queue partition|global]

ADDRESS is the server's unix:PATH or HOST:PORT. The client asks to be the
scheduler (op "scheduler"), then answers every pass the server sends
(event "schedule": the waiting jobs in submission order, what is free, the
time) with decisions (op "decide"), as capsim's built-in fcfs does: jobs
start in submission order; one that does not fit is marked waiting for
Resources and holds back the later jobs of its partition (--queue
partition, the default) or of every partition (--queue global). The
server says which starts fit: a start that does not is refused with its
reason and changes nothing, and with stop_at_refusal the decisions after
it are not tried, so a pass takes one round trip per blocked partition,
and one to end it. The client exits when the server closes the
connection. Python 3's standard library only; the protocol is in
docs/serve.md.
"""
import json
import socket
import sys


class Conn:
    """One connection: JSON lines out, JSON lines in."""

    def __init__(self, address):
        if address.startswith("unix:"):
            self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            self.sock.connect(address[5:])
        else:
            host, _, port = address.rpartition(":")
            self.sock = socket.create_connection((host.strip("[]"), int(port)))
        self.rfile = self.sock.makefile("r", encoding="utf-8")
        self.serial = 0

    def send(self, request):
        self.sock.sendall((json.dumps(request) + "\n").encode("utf-8"))

    def receive(self):
        line = self.rfile.readline()
        return json.loads(line) if line else None

    def call(self, op, **fields):
        """A request and its reply (events before it are not expected here)."""
        self.serial += 1
        self.send(dict(id=self.serial, op=op, **fields))
        reply = self.receive()
        if reply is None:
            raise EOFError("the server closed the connection")
        if reply.get("id") != self.serial or "error" in reply:
            raise RuntimeError("capsim serve: %s" % json.dumps(reply))
        return reply["result"]


def schedule(conn, queue, global_queue):
    """One pass: start the waiting jobs in order, partition by partition."""
    blocked = set()
    marks = []          # decisions naming a blocked job's reason
    todo = list(queue)  # the jobs still to try, in submission order
    while True:
        tries = [j for j in todo if not (global_queue and blocked) and j["partition"] not in blocked]
        if not tries:
            conn.call("decide", decisions=marks, done=True)
            return
        decisions = marks + [{"start": j["job"]} for j in tries]
        result = conn.call("decide", decisions=decisions, stop_at_refusal=True, done=False)
        outcome = result["results"][len(marks):]
        marks = []
        refused = next((k for k, r in enumerate(outcome) if not r["ok"]), None)
        if refused is None:
            conn.call("decide", decisions=[], done=True)
            return
        job = tries[refused]
        blocked.add(job["partition"])
        marks = [{"pending": job["job"], "reason": "Resources"}]
        started = {j["job"] for j in tries[:refused]}
        todo = [j for j in todo if j["job"] not in started and j["job"] != job["job"]]


def main(argv):
    if len(argv) not in (2, 4) or (len(argv) == 4 and (argv[2] != "--queue" or argv[3] not in ("partition", "global"))):
        sys.stderr.write("usage: fcfs_client.py unix:PATH|HOST:PORT [--queue partition|global]\n")
        return 2
    global_queue = len(argv) == 4 and argv[3] == "global"
    conn = Conn(argv[1])
    conn.call("scheduler")
    while True:
        event = conn.receive()
        if event is None:
            return 0
        if event.get("event") == "schedule":
            schedule(conn, event["queue"], global_queue)


if __name__ == "__main__":
    try:
        sys.exit(main(sys.argv))
    except (EOFError, ConnectionError):
        sys.exit(0)
