# Test helper for real-zeek.test.ts: keep Zeek running without traffic, say
# which cluster backend is in force, and "see" the value of every Threat Bus
# DOMAIN indicator shortly after an ADD or REMOVE of it arrives, so the Intel
# framework raises Intel::match and threatbus.zeek sends its sightings.

redef exit_only_after_terminate = T;

event zeek_init()
	{
@ifdef ( Cluster::backend )
	print fmt("cluster backend: %s", Cluster::backend);
@endif
	}

event see(item: Tenzir::Intelligence)
	{
	Intel::seen(Intel::Seen($indicator=item$indicator, $indicator_type=Intel::DOMAIN, $where=Intel::IN_ANYWHERE));
	}

event Tenzir::intel(item: Tenzir::Intelligence) &priority=-10
	{
	if ( item$intel_type == "DOMAIN" )
		schedule 200 msec { see(item) };
	}
