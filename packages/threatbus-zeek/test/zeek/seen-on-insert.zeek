# Test helper for real-zeek.test.ts: keep Zeek running without traffic, and
# "see" every inserted Threat Bus indicator shortly after it arrives, so the
# Intel framework raises Intel::match and threatbus.zeek sends a sighting.

redef exit_only_after_terminate = T;

event see(item: Tenzir::Intelligence)
	{
	Intel::seen(Intel::Seen($indicator=item$indicator, $indicator_type=Intel::DOMAIN, $where=Intel::IN_ANYWHERE));
	}

event Tenzir::intel(item: Tenzir::Intelligence) &priority=-10
	{
	if ( item$operation == "ADD" && item$intel_type == "DOMAIN" )
		schedule 200 msec { see(item) };
	}
