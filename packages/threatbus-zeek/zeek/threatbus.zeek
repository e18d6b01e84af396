##! Threat Bus for Zeek over Zeek's WebSocket API.
##!
##! Zeek listens for WebSocket clients; the Threat Bus `zeek` plugin
##! (npm package threatbus-zeek) connects to it. Intel arrives as
##! `Tenzir::intel` events on `intel_topic` and goes into the Intel framework;
##! matches of that intel go back as `Tenzir::sighting` events on
##! `sighting_topic`.
##!
##! Zeek >= 7.2 uses `Cluster::listen_websocket` (Zeek's own server, no TLS
##! unless `tls_cert_file`/`tls_key_file` are set). Zeek 5.0 - 7.1 use
##! `Broker::listen_websocket` (Broker's server, TLS per the `Broker::ssl_*`
##! settings; `redef Broker::disable_ssl = T;` for plain ws://).
##!
##! Load it:  zeek -i eth0 threatbus.zeek
##! Options:  zeek -i eth0 threatbus.zeek "Tenzir::listen_port=27760/tcp" "Tenzir::snapshot_intel=30 days"
##!
##! In a cluster only the manager talks to Threat Bus; the Intel framework
##! distributes the intel to the workers and reports their matches to the
##! manager.
##!
##! Each indicator is its own Intel source ("threatbus:<STIX id>"): indicators
##! sharing a value get one sighting each, and a REMOVE takes out only its own.
##! What the script does goes to threatbus.log; to stderr only with
##! `Tenzir::log_to_stderr=T`.

@load base/misc/version
@load base/frameworks/cluster
@load base/frameworks/logging
@load base/frameworks/intel
@load base/frameworks/reporter
@load policy/frameworks/intel/seen

module Tenzir;

export {
	redef enum Log::ID += { LOG };

	## One line of threatbus.log: what the script did.
	type Info: record {
		ts: time &log;
		## ADD, REMOVE (as received), match, noisy, listen, snapshot, start.
		action: string &log;
		## STIX id of the indicator.
		intel_id: string &log &optional;
		indicator: string &log &optional;
		indicator_type: Intel::Type &log &optional;
		msg: string &log &optional;
	};

	## Address the WebSocket server listens on.
	option listen_address = "127.0.0.1";
	## Port the WebSocket server listens on (zeekctl's convention is 27759).
	option listen_port = 27759/tcp;
	## Start the WebSocket server. Set to F when something else already
	## calls `Cluster::listen_websocket` (e.g. a cluster layout that does).
	option listen_websocket = T;
	## TLS for Zeek >= 7.2: PEM certificate and key; both empty = no TLS.
	option tls_cert_file = "";
	option tls_key_file = "";
	## Require client certificates signed by this CA (Zeek >= 7.2).
	option tls_ca_file = "";
	option tls_verify_peer = F;

	## Marker stored in the intel meta data: `url` is the tag, `source` is
	## "<tag>:<STIX id>" (one meta record per indicator), so only Threat Bus
	## intel produces sightings.
	const tb_intel_tag = "threatbus" &redef;
	## Report matches of Threat Bus intel back as sightings.
	option report_sightings = T;
	## Matches per intel ID within about a second above which a sighting is
	## flagged `noisy`; 0 disables the flag.
	option noisy_intel_threshold = 100;
	## Log what the script does (ADD, REMOVE, match, start-up) to threatbus.log.
	option log_operations = T;
	## Also report each of those through `Reporter::info`, i.e. on stderr
	## (as long as `Reporter::info_to_stderr` is T) and in reporter.log.
	## Off by default: a large snapshot would flood the console.
	option log_to_stderr = F;
	## Topic Threat Bus publishes intel on.
	option intel_topic = "threatbus/intel";
	## Topic sightings are published on.
	option sighting_topic = "threatbus/sighting";
	## Topic for management events (snapshot requests).
	option management_topic = "threatbus/manage";
	## Ask Threat Bus for the intel of this long ago when it connects
	## (Zeek >= 7.2); 0 sec = none. The plugin's `snapshot` setting asks too.
	option snapshot_intel = 0 sec;

	## What Threat Bus sends: one point IoC.
	type Intelligence: record {
		ts: time;
		id: string;
		intel_type: string;
		indicator: string;
		operation: string;
	};

	global intel: event(item: Intelligence);
	global sighting: event(ts: time, intel_id: string, context: table[string] of any);
	global subscribe: event(topic: string, snapshot_intel: interval);
	global unsubscribe: event(topic: string);
}

# A standalone Zeek >= 7.2 needs a cluster backend for the WebSocket server;
# without it clients never get an ack. A cluster brings its own. Choose Broker
# only when nothing was chosen before this script is loaded; a backend loaded
# after it (e.g. `@load frameworks/cluster/backend/zeromq` later in
# local.zeek) overrides this redef anyway, because the last redef wins.
@ifdef ( Cluster::CLUSTER_BACKEND_NONE )
@if ( Cluster::backend == Cluster::CLUSTER_BACKEND_NONE && ! Cluster::is_enabled() )
redef Cluster::backend = Cluster::CLUSTER_BACKEND_BROKER;
@endif
@endif

global intel_type_map: table[string] of Intel::Type = {
	["ADDR"] = Intel::ADDR,
	["SUBNET"] = Intel::SUBNET,
	["URL"] = Intel::URL,
	["SOFTWARE"] = Intel::SOFTWARE,
	["EMAIL"] = Intel::EMAIL,
	["DOMAIN"] = Intel::DOMAIN,
	["USER_NAME"] = Intel::USER_NAME,
	["CERT_HASH"] = Intel::CERT_HASH,
	["PUBKEY_HASH"] = Intel::PUBKEY_HASH,
	["FILE_NAME"] = Intel::FILE_NAME,
	["FILE_HASH"] = Intel::FILE_HASH,
};

# Matches per intel ID; an entry lives one second from its creation.
global sightings: table[string] of count &default=0 &create_expire=1 sec;

function is_tb_node(): bool
	{
	return ! Cluster::is_enabled() || Cluster::local_node_type() == Cluster::MANAGER;
	}

function report(rec: Info)
	{
	if ( log_operations )
		Log::write(Tenzir::LOG, rec);
	if ( log_to_stderr )
		Reporter::info(fmt("Threat Bus: %s", rec));
	}

function report_msg(action: string, msg: string)
	{
	report(Info($ts=current_time(), $action=action, $msg=msg));
	}

## The Intel source of one indicator: Zeek keeps one meta record per source
## and value, so two indicators with the same value stay two records.
function intel_source(intel_id: string): string
	{
	return fmt("%s:%s", tb_intel_tag, intel_id);
	}

event zeek_init() &priority=5
	{
	# On every node: in a cluster the manager's writes go to the logger.
	Log::create_stream(Tenzir::LOG, Log::Stream($columns=Info, $path="threatbus"));
	}

event zeek_init() &priority=1
	{
	if ( ! is_tb_node() )
		return;
	report_msg("start", fmt("reporting noisy intel at %d matches/sec", noisy_intel_threshold));
@if ( Version::at_least("7.2") )
	Cluster::subscribe(intel_topic);
	if ( ! listen_websocket )
		return;
	local tls = Cluster::WebSocketTLSOptions($enable_peer_verification=tls_verify_peer, $ca_file=tls_ca_file);
	if ( tls_cert_file != "" )
		tls$cert_file = tls_cert_file;
	if ( tls_key_file != "" )
		tls$key_file = tls_key_file;
@if ( Version::at_least("8.0") )
	local opts = Cluster::WebSocketServerOptions($listen_addr=to_addr(listen_address), $listen_port=listen_port, $tls_options=tls);
@else
	local opts = Cluster::WebSocketServerOptions($listen_host=listen_address, $listen_port=listen_port, $tls_options=tls);
@endif
	if ( Cluster::listen_websocket(opts) )
		report_msg("listen", fmt("listening for Threat Bus on %s %s", listen_address, listen_port));
	else
		Reporter::error(fmt("Threat Bus: cannot listen for WebSocket clients on %s %s", listen_address, listen_port));
@else
	Broker::subscribe(intel_topic);
	if ( listen_websocket )
		{
		local p = Broker::listen_websocket(listen_address, listen_port);
		if ( p == 0/unknown )
			Reporter::error(fmt("Threat Bus: cannot listen for WebSocket clients on %s %s", listen_address, listen_port));
		else
			report_msg("listen", fmt("listening for Threat Bus on %s %s", listen_address, p));
		}
@endif
	}

@if ( Version::at_least("7.2") )
event Cluster::websocket_client_added(info: Cluster::EndpointInfo, subscriptions: string_vec)
	{
	if ( ! is_tb_node() || snapshot_intel <= 0 sec )
		return;
	for ( i in subscriptions )
		{
		if ( starts_with(management_topic, subscriptions[i]) )
			{
			report_msg("snapshot", fmt("requesting a snapshot of %s", snapshot_intel));
			Cluster::publish(management_topic, Tenzir::subscribe, intel_topic, snapshot_intel);
			return;
			}
		}
	}
@endif

event Tenzir::intel(item: Intelligence)
	{
	if ( item$intel_type !in intel_type_map )
		{
		Reporter::warning(fmt("Threat Bus: ignoring unmappable intel item: %s", item));
		return;
		}
	local mapped = Intel::Item(
		$indicator=item$indicator,
		$indicator_type=intel_type_map[item$intel_type],
		$meta=Intel::MetaData($source=intel_source(item$id), $desc=item$id, $url=tb_intel_tag));
	report(Info($ts=current_time(), $action=item$operation, $intel_id=item$id,
	            $indicator=item$indicator, $indicator_type=mapped$indicator_type));
	if ( item$operation == "ADD" )
		Intel::insert(mapped);
	else if ( item$operation == "REMOVE" )
		# Only this indicator's meta record; the value stays for other
		# indicators and other sources (the original purged it for all).
		Intel::remove(mapped, F);
	}

event Intel::match(s: Intel::Seen, items: set[Intel::Item])
	{
	if ( ! report_sightings || ! is_tb_node() )
		return;
	for ( item in items )
		{
		if ( ! item$meta?$url || item$meta$url != tb_intel_tag )
			next;
		if ( ! item$meta?$desc )
			{
			Reporter::error("Threat Bus: skipping intel item without ID");
			next;
			}
		# One item per meta record, i.e. one sighting per indicator holding the value.
		local id = item$meta$desc;
		report(Info($ts=current_time(), $action="match", $intel_id=id,
		            $indicator=item$indicator, $indicator_type=item$indicator_type));
		sightings[id] = sightings[id] + 1;
		local noisy = noisy_intel_threshold != 0 && sightings[id] > noisy_intel_threshold;
		local context: table[string] of any;
		context["noisy"] = noisy;
@if ( Version::at_least("7.2") )
		Cluster::publish(sighting_topic, Tenzir::sighting, current_time(), id, context);
@else
		Broker::publish(sighting_topic, Tenzir::sighting, current_time(), id, context);
@endif
		if ( noisy )
			{
			report(Info($ts=current_time(), $action="noisy", $intel_id=id, $msg="more matches than noisy_intel_threshold within a second"));
			delete sightings[id];
			}
		}
	}
