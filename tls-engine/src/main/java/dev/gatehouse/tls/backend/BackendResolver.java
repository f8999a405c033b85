package dev.gatehouse.tls.backend;

import dev.gatehouse.tls.transport.Transport;
import io.netty.resolver.AddressResolverGroup;
import io.netty.resolver.dns.DefaultDnsCache;
import io.netty.resolver.dns.DefaultDnsCnameCache;
import io.netty.resolver.dns.DnsAddressResolverGroup;
import io.netty.resolver.dns.DnsNameResolverBuilder;
import io.netty.resolver.dns.DnsServerAddressStreamProvider;
import io.netty.resolver.dns.DnsServerAddressStreamProviders;
import io.netty.resolver.dns.SequentialDnsServerAddressStreamProvider;
import java.net.InetSocketAddress;

/**
 * The resolver every backend connection and health check goes through. Without it, Netty's
 * {@code Bootstrap} resolves an unresolved address with the JDK's {@code InetAddress.getByName},
 * on the event loop: one slow nameserver would stall every connection of that loop.
 * {@link DnsAddressResolverGroup} keeps one non-blocking resolver per event loop; the caches are
 * shared by all loops, so a name is looked up once per TTL, not once per loop.
 */
public final class BackendResolver {

    private BackendResolver() {
    }

    /** A resolver group for {@code transport}'s event loops, asking the nameservers of {@code dns}. */
    public static AddressResolverGroup<InetSocketAddress> create(Transport transport, DnsSettings dns) {
        int maxTtl = (int) Math.min(Integer.MAX_VALUE, dns.maxTtl().toSeconds());
        int negativeTtl = (int) Math.min(Integer.MAX_VALUE, dns.negativeTtl().toSeconds());
        DnsNameResolverBuilder builder = new DnsNameResolverBuilder()
                .datagramChannelType(transport.datagramChannel())
                .socketChannelType(transport.clientChannel()) // TCP when an answer comes back truncated
                .nameServerProvider(nameServers(dns))
                .queryTimeoutMillis(dns.queryTimeout().toMillis())
                .resolveCache(new DefaultDnsCache(0, maxTtl, negativeTtl))
                .cnameCache(new DefaultDnsCnameCache(0, maxTtl));
        return new DnsAddressResolverGroup(builder);
    }

    private static DnsServerAddressStreamProvider nameServers(DnsSettings dns) {
        if (dns.servers().isEmpty()) {
            // /etc/resolv.conf; Netty re-parses it every 5 minutes, a read of a small local file, on the
            // loop that resolves next: the one file access left there, bounded and not a network wait
            return DnsServerAddressStreamProviders.platformDefault();
        }
        return new SequentialDnsServerAddressStreamProvider(dns.servers().toArray(InetSocketAddress[]::new));
    }
}
