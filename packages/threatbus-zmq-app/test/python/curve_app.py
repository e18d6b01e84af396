"""A pyzmq app using CURVE exactly as docs/security.md tells Python apps to:
the original's app code plus the four lines of `curve()` called on each
socket after creating it.

Usage: curve_app.py MODE HOST MANAGE PUB SUB SERVER_KEY PUBLIC_KEY SECRET_KEY
  MODE authorized: subscribe, receive one indicator, publish a sighting of it.
  MODE refused:    try to subscribe, listen on the pub port and publish an
                   indicator; report what got through.
  PUBLIC_KEY/SECRET_KEY "-": a plain (non-CURVE) app.
Reports one JSON object per line on stdout; "stop" on stdin ends a publish loop.
"""
import json
import select
import sys

import zmq

MODE, HOST = sys.argv[1], sys.argv[2]
MANAGE, PUB_PORT, SUB_PORT = (int(p) for p in sys.argv[3:6])
SERVER_KEY, PUBLIC_KEY, SECRET_KEY = (a.encode() for a in sys.argv[6:9])
PLAIN = PUBLIC_KEY == b"-"
ctx = zmq.Context()


# ---- the four lines (docs/security.md) ----
def curve(socket):
    socket.curve_secretkey = SECRET_KEY  # this app's secret key (Z85)
    socket.curve_publickey = PUBLIC_KEY  # this app's public key, listed in the bus's authorized_keys
    socket.curve_serverkey = SERVER_KEY  # the bus's public key (server_public in its start log)
# -------------------------------------------


def socket(kind):
    s = ctx.socket(kind)
    s.setsockopt(zmq.LINGER, 0)
    if not PLAIN:
        curve(s)
    return s


def out(**kw):
    print(json.dumps(kw), flush=True)


def manage(msg, timeout_ms):
    s = socket(zmq.REQ)
    s.connect(f"tcp://{HOST}:{MANAGE}")
    s.send(json.dumps(msg).encode())
    reply = json.loads(s.recv()) if s.poll(timeout_ms) else None
    s.close()
    return reply


def publish_until_stop(pub, frame, sub=None):
    """Send `frame` every 100 ms (a new PUB connection drops what it sends before the bus subscribed) until "stop"."""
    received = []
    while not select.select([sys.stdin], [], [], 0.1)[0]:
        pub.send(frame.encode())
        while sub is not None and sub.poll(0):
            received.append(sub.recv().decode())
    sys.stdin.readline()
    return received


if MODE == "authorized":
    reply = manage({"action": "subscribe", "topic": "stix2/indicator", "snapshot": 0}, 5000)
    p2p = reply["topic"]
    sub = socket(zmq.SUB)
    sub.connect(f"tcp://{HOST}:{reply['pub_port']}")
    sub.setsockopt(zmq.SUBSCRIBE, p2p.encode())
    pub = socket(zmq.PUB)
    pub.connect(f"tcp://{HOST}:{reply['sub_port']}")
    out(kind="ready", p2p=p2p)
    if not sub.poll(10 * 1000):
        out(kind="timeout")
        sys.exit(1)
    topic, payload = sub.recv().decode().split(" ", 1)
    indicator = json.loads(payload)
    out(kind="received", topic=topic, id=indicator["id"])
    sighting = {
        "type": "sighting",
        "spec_version": "2.1",
        "id": "sighting--5b9c8e1a-2f1e-4c7a-9f0d-3a6b1c2d4e5f",
        "created": "2021-05-04T15:15:58.000Z",
        "modified": "2021-05-04T15:15:58.000Z",
        "sighting_of_ref": indicator["id"],
        "x_threatbus_source": "python-curve",
    }
    publish_until_stop(pub, f"stix2/sighting {json.dumps(sighting)}")
    out(kind="unsubscribe", reply=manage({"action": "unsubscribe", "topic": p2p}, 5000))
else:
    out(kind="subscribe", reply=manage({"action": "subscribe", "topic": "stix2/indicator", "snapshot": 0}, 1000))
    sub = socket(zmq.SUB)
    sub.connect(f"tcp://{HOST}:{PUB_PORT}")
    sub.setsockopt(zmq.SUBSCRIBE, b"")
    pub = socket(zmq.PUB)
    pub.connect(f"tcp://{HOST}:{SUB_PORT}")
    out(kind="ready")
    forged = {
        "type": "indicator",
        "spec_version": "2.1",
        "id": "indicator--0d4c2a3b-7e8f-4a1b-9c2d-6e5f4a3b2c1d",
        "created": "2021-05-04T15:15:58.000Z",
        "modified": "2021-05-04T15:15:58.000Z",
        "pattern": "[ipv4-addr:value = '6.6.6.6']",
        "pattern_type": "stix",
        "valid_from": "2021-05-04T15:15:58.000Z",
    }
    received = publish_until_stop(pub, f"stix2/indicator {json.dumps(forged)}", sub)
    out(kind="done", received=received, forged=forged["id"])
sub.close()
pub.close()
ctx.term()
