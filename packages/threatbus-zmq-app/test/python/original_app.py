"""A zmq app written from the spec (spec/zmq-app.md §3-§7), sending what the
original's apps send, byte for byte: json.dumps with Python's separators on a
fresh REQ socket per request (LINGER 0, 5 s timeout), a SUB socket on the p2p
topic, PUB frames "<topic> <json>", unsubscribe at exit.

Usage: original_app.py <host> <manage_port>
Reports to the test on stdout, one JSON object per line; waits for "go" on
stdin before expecting indicators.
"""
import json
import sys
import time

import zmq

HOST, MANAGE = sys.argv[1], int(sys.argv[2])
ctx = zmq.Context()


def out(**kw):
    print(json.dumps(kw), flush=True)


def manage_raw(frame: bytes):
    s = ctx.socket(zmq.REQ)
    s.setsockopt(zmq.LINGER, 0)
    s.connect(f"tcp://{HOST}:{MANAGE}")
    s.send(frame)
    poller = zmq.Poller()
    poller.register(s, zmq.POLLIN)
    reply = s.recv() if s in dict(poller.poll(5 * 1000)) else None
    s.close()
    return reply


def manage(msg: dict):
    reply = manage_raw(json.dumps(msg).encode())
    return None if reply is None else json.loads(reply)


# 1. The frames of the original's management integration test (test_zmq_app_management.py).
for frame in [
    b'{"action": "FOO"}',
    b"FOO",
    b'{"action": "heartbeat"}',
    b'{"action": "heartbeat", "topic": "TOPIC"}',
    b'{"action": "subscribe"}',
    b'{"action": "subscribe", "topic": "TOPIC", "snapshot": "FOO"}',
    b'{"action": "unsubscribe"}',
    b'{"action": "unsubscribe", "topic": "TOPIC"}',
]:
    reply = manage_raw(frame)
    out(kind="manage", request=frame.decode(), reply=None if reply is None else reply.decode())

# 2. Subscribe as vast-threatbus does, connect the data sockets.
reply = manage({"action": "subscribe", "topic": ["stix2/indicator", "stix2/sighting"], "snapshot": 0})
out(kind="subscribe", reply=reply)
p2p = reply["topic"]
sub = ctx.socket(zmq.SUB)
sub.setsockopt(zmq.LINGER, 0)
sub.connect(f"tcp://{HOST}:{reply['pub_port']}")
sub.setsockopt(zmq.SUBSCRIBE, p2p.encode())
pub = ctx.socket(zmq.PUB)
pub.setsockopt(zmq.LINGER, 0)
pub.connect(f"tcp://{HOST}:{reply['sub_port']}")
out(kind="heartbeat", reply=manage({"action": "heartbeat", "topic": p2p}))
out(kind="ready", p2p=p2p)
sys.stdin.readline()  # "go": the test published an indicator

# 3. Receive: one frame "<p2p>indicator <json>".
poller = zmq.Poller()
poller.register(sub, zmq.POLLIN)
if sub in dict(poller.poll(10 * 1000)):
    raw = sub.recv().decode()
    topic, payload = raw.split(" ", 1)
    out(kind="received", topic=topic, is_indicator=topic.endswith("indicator"), payload=json.loads(payload), raw=raw)
    indicator = json.loads(payload)
    # 4. Report a sighting, as vast-threatbus does (topic stix2/sighting, json.dumps bytes).
    sighting = {
        "type": "sighting",
        "spec_version": "2.1",
        "id": "sighting--c3b5c4a4-6bd0-4ff4-8c0e-8b2cbd2b9c1b",
        "created": "2021-05-04T15:15:58.000Z",
        "modified": "2021-05-04T15:15:58.000Z",
        "last_seen": "2021-05-04T15:15:58.919Z",
        "sighting_of_ref": indicator["id"],
        "x_threatbus_source": "VAST",
        "x_threatbus_sighting_context": {"ts": "x", "noisy": False},
    }
    time.sleep(0.3)  # slow joiner: let the bus's SUB subscription reach this PUB socket
    pub.send(f"stix2/sighting {json.dumps(sighting)}".encode())
    out(kind="sent_sighting", sighting=sighting)
    # The sighting comes back on our own p2p topic (we subscribed stix2/sighting too).
    if sub in dict(poller.poll(10 * 1000)):
        raw = sub.recv().decode()
        out(kind="received", topic=raw.split(" ", 1)[0], raw=raw)
else:
    out(kind="timeout")

# 5. Exit hook of the original apps.
out(kind="unsubscribe", reply=manage({"action": "unsubscribe", "topic": p2p}))
out(kind="heartbeat_after", reply=manage({"action": "heartbeat", "topic": p2p}))
sub.close()
pub.close()
ctx.term()
