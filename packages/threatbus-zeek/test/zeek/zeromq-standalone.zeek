# Test helper for real-zeek.test.ts, loaded BEFORE threatbus.zeek: the user
# chooses the ZeroMQ cluster backend for a standalone Zeek (as Zeek's own
# policy/frameworks/cluster/websocket/server.zeek does: the XPUB/XSUB proxy
# runs in this process). threatbus.zeek must keep that choice.
@load frameworks/cluster/backend/zeromq
redef Cluster::Backend::ZeroMQ::run_proxy_thread = T;
